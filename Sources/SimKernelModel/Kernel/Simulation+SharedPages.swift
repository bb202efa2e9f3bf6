import SimCPU
import SimMachine

/// A region of pages shared by a workload's copies in several kernel instances, kept
/// coherent between instances by Popcorn's protocol: a page is read-replicated (a reader
/// without a copy asks the owner and copies the page into its instance's memory) and
/// write-invalidated (a writer gets the page, tells every other holder to drop it, and
/// becomes its only holder). Within one instance a page is ordinary coherent memory.
struct SharedRegion {
    /// The instances that share it, and each one's copy of every page: `linesPerPage`
    /// lines from `lineBase[i] + page × linesPerPage`, in instance i's memory.
    var kernels: [Int]
    var lineBase: [LineID]
    /// Per page: the instance (index into `kernels`) holding the writable copy, and a bit
    /// per instance holding a copy.
    var owner: [UInt8]
    var holders: [UInt64]
    /// `channel[a * kernels.count + b]`: the channel that carries a's messages to b.
    var channel: [UInt16]
    var readFaults: UInt64 = 0
    var writeFaults: UInt64 = 0
    var invalidations: UInt64 = 0

    /// A 4 KiB page of 64-byte lines.
    static let linesPerPage = 64
}

extension Simulation {
    /// Allocates workload `w`'s region over the kernels of its copies: every page starts in
    /// the first copy's instance. Messages between instances need a linux or popcorn channel.
    mutating func buildSharedRegion(workload w: Int, pages: Int) throws(ConfigurationError) -> UInt16 {
        let wc = config.workloads[w]
        var members: [Int] = []
        for c in wc.copies where !members.contains(c.kernel) { members.append(c.kernel) }
        guard members.count <= 64, regions.count < Int(UInt16.max) else {
            throw ConfigurationError("workload '\(wc.name)': shared pages span at most 64 instances")
        }
        var channel = [UInt16](repeating: .max, count: members.count * members.count)
        for (a, ka) in members.enumerated() {
            for (b, kb) in members.enumerated() where a != b {
                guard let ci = config.channels.firstIndex(where: {
                    Set([$0.kernels.0, $0.kernels.1]) == Set([ka, kb]) && $0.transport != .urpc
                }) else {
                    throw ConfigurationError("workload '\(wc.name)': shared pages between '\(config.kernels[ka].name)' and '\(config.kernels[kb].name)' need a linux or popcorn channel between them")
                }
                channel[a * members.count + b] = UInt16(ci)
            }
        }
        var bases: [LineID] = []
        for k in members {
            let kc = config.kernels[k]
            var base: LineID = -1
            for p in 0..<pages {
                for l in 0..<SharedRegion.linesPerPage {
                    let id = directory.allocate(name: "\(wc.name)[\(kc.name)].page[\(p)].\(l)", home: kc.memoryNode)
                    if base < 0 { base = id }
                }
            }
            bases.append(base)
        }
        regions.append(SharedRegion(kernels: members, lineBase: bases, owner: Array(repeating: 0, count: pages),
                                    holders: Array(repeating: 1, count: pages), channel: channel))
        return UInt16(regions.count - 1)
    }

    /// Resolves a task's access to a shared page: the operation to do now, with any that
    /// must follow queued in `TaskState.injected`. State changes take effect as the fault
    /// starts (as the coherence directory's do). A fault sends its request to the owner and
    /// waits for the owner's interrupt handler to answer on the thread's reply line, then
    /// copies the page's lines from the owner's copy over the coherent interconnect; a
    /// write then sends an invalidation to every other holder and waits for all their
    /// answers. Messages carry the faulting task (`page` family, subject: task).
    mutating func resolveSharedPage(task t: Int, region r: Int, page p: Int, write: Bool) -> Operation {
        let me = regions[r].kernels.firstIndex(of: tasks[t].kernel)!
        let n = regions[r].kernels.count
        let bit = UInt64(1) << UInt64(me)
        let offset = Int(tasks[t].rng.next() % UInt64(SharedRegion.linesPerPage))
        let mine = regions[r].lineBase[me] + LineID(p * SharedRegion.linesPerPage + offset)
        let access: Operation = write ? .store(mine, UInt64(now.raw)) : .load(mine)
        let holders = regions[r].holders[p]
        let owner = Int(regions[r].owner[p])
        if holders & bit != 0 && (!write || holders == bit) { return access }  // a local hit
        var ops: [Operation] = []
        tasks[t].messageTag = KernelThreadRole(family: .page, subject: t).tag
        if holders & bit == 0 {
            // Ask the owner, wait for its answer, then copy its page into this instance's memory.
            ops.append(.channelSend(regions[r].channel[me * n + owner]))
            tasks[t].repliesAsked += 1
            ops.append(.spinUntil(tasks[t].replyLine, mask: .max, equals: tasks[t].repliesAsked))
            let from = regions[r].lineBase[owner] + LineID(p * SharedRegion.linesPerPage)
            let to = regions[r].lineBase[me] + LineID(p * SharedRegion.linesPerPage)
            for l in 0..<SharedRegion.linesPerPage {
                ops.append(.load(from + LineID(l)))
                ops.append(.store(to + LineID(l), 0))
            }
        }
        if write {
            regions[r].writeFaults &+= 1
            var others = holders & ~bit
            if others != 0 {
                while others != 0 {
                    let h = others.trailingZeroBitCount
                    ops.append(.channelSend(regions[r].channel[me * n + h]))
                    regions[r].invalidations &+= 1
                    tasks[t].repliesAsked += 1
                    others &= others - 1
                }
                ops.append(.spinUntil(tasks[t].replyLine, mask: .max, equals: tasks[t].repliesAsked))
            }
            regions[r].holders[p] = bit
            regions[r].owner[p] = UInt8(me)
        } else {
            regions[r].readFaults &+= 1
            regions[r].holders[p] = holders | bit
        }
        ops.append(access)
        let first = ops.removeFirst()
        tasks[t].injected = ops
        return first
    }
}
