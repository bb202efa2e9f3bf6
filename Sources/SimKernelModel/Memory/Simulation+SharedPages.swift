import SimCPU
import SimMachine
import SimWorkloads

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
    /// The page servers (workload `serverWorkload`, a task per instance), the requests
    /// queued for each (message tags), and whether each sleeps for want of one.
    var serverWorkload = -1
    var pending: [[UInt32]] = []
    var serverAsleep: [Bool] = []

    /// A 4 KiB page of 64-byte lines.
    static let linesPerPage = 64
}

extension Simulation {
    /// Allocates workload `w`'s region over the kernels of its copies: every page starts in
    /// the first copy's instance. Messages between instances need a popcorn channel.
    mutating func buildSharedRegion(workload w: Int, pages: Int) throws(ConfigurationError) -> UInt16 {
        let wc = config.workloads[w]
        let members = Self.sharingKernels(wc)
        guard members.count <= 64, memory.regions.count < Int(UInt16.max) else {
            throw ConfigurationError("workload '\(wc.name)': shared pages span at most 64 instances", about: .workload(wc.name))
        }
        if let m = wc.migrate, !members.contains(m.to) {
            throw ConfigurationError("workload '\(wc.name)': shared pages can move only to an instance they span, not '\(config.kernels[m.to].name)'", about: .workload(wc.name))
        }
        var channel = [UInt16](repeating: .max, count: members.count * members.count)
        for (a, ka) in members.enumerated() {
            for (b, kb) in members.enumerated() where a != b {
                guard let ci = config.channels.firstIndex(where: {
                    Set([$0.kernels.0, $0.kernels.1]) == Set([ka, kb]) && $0.transport.traits.splitsMessages
                }) else {
                    // Popcorn's transport: the only one that splits a page's answer into chunks.
                    throw ConfigurationError("workload '\(wc.name)': shared pages between '\(config.kernels[ka].name)' and '\(config.kernels[kb].name)' need a \(ChannelTransport.named { $0.splitsMessages }) channel between them", about: .workload(wc.name))
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
        var region = SharedRegion(kernels: members, lineBase: bases, owner: Array(repeating: 0, count: pages),
                                  holders: Array(repeating: 1, count: pages), channel: channel)
        region.pending = Array(repeating: [], count: members.count)
        region.serverAsleep = Array(repeating: false, count: members.count)
        memory.regions.append(region)
        return UInt16(memory.regions.count - 1)
    }

    /// Resolves a task's access to a shared page: the operation to do now, with any that
    /// must follow queued in `TaskState.injected`. State changes take effect as the fault
    /// starts (as the coherence directory's do). A fault without a copy sends a request to
    /// the owner and sleeps until the owner's page server has answered with the page, then
    /// writes the page into its instance's copy; a write then sends an invalidation to every
    /// other holder (the owner it asked drops its copy as it answers) and sleeps until each
    /// has acknowledged. Messages carry the faulting task (subject) and their family.
    mutating func resolveSharedPage(task t: Int, region r: Int, page p: Int, write: Bool) -> Operation {
        let me = memory.regions[r].kernels.firstIndex(of: tasks[t].kernel)!
        let n = memory.regions[r].kernels.count
        let bit = UInt64(1) << UInt64(me)
        let offset = Int(tasks[t].rng.next() % UInt64(SharedRegion.linesPerPage))
        let mine = memory.regions[r].lineBase[me] + LineID(p * SharedRegion.linesPerPage + offset)
        let access: Operation = write ? .store(mine, UInt64(now.raw)) : .load(mine)
        let holders = memory.regions[r].holders[p]
        let owner = Int(memory.regions[r].owner[p])
        if holders & bit != 0 && (!write || holders == bit) { return access }  // a local hit
        var ops: [Operation] = []
        tasks[t].messaging.messageTag = KernelThreadRole(family: .page, subject: t).tag
        if holders & bit == 0 {
            // Ask the owner, wait for its server's answer, which carries the page (its chunks
            // read by this instance's drain), then write the page into this instance's copy.
            ops.append(.channelSend(memory.regions[r].channel[me * n + owner]))
            tasks[t].messaging.repliesAsked += 1
            ops.append(awaitReplies(task: t, region: r))
            let to = memory.regions[r].lineBase[me] + LineID(p * SharedRegion.linesPerPage)
            for l in 0..<SharedRegion.linesPerPage { ops.append(.store(to + LineID(l), 0)) }
        }
        if write {
            memory.regions[r].writeFaults &+= 1
            // A request for a page to write moves it: the owner drops its copy as it answers.
            var others = holders & ~bit & (holders & bit == 0 ? ~(UInt64(1) << UInt64(owner)) : .max)
            if others != 0 {
                ops.append(.threadSync(kind: Generator.pageTagInvalidate, a: UInt32(r), b: 0))
                while others != 0 {
                    let h = others.trailingZeroBitCount
                    ops.append(.channelSend(memory.regions[r].channel[me * n + h]))
                    memory.regions[r].invalidations &+= 1
                    tasks[t].messaging.repliesAsked += 1
                    others &= others - 1
                }
                ops.append(awaitReplies(task: t, region: r))
            }
            memory.regions[r].holders[p] = bit
            memory.regions[r].owner[p] = UInt8(me)
        } else {
            memory.regions[r].readFaults &+= 1
            memory.regions[r].holders[p] = holders | bit
        }
        ops.append(access)
        let first = ops.removeFirst()
        tasks[t].messaging.injected = ops
        return first
    }

    /// Sleeping until the task's reply line counts every answer asked so far (the count is
    /// carried in the operation, since a write fault asks for more answers later).
    @inline(__always)
    func awaitReplies(task t: Int, region r: Int) -> Operation {
        .threadSync(kind: Generator.pageAwaitReplies, a: UInt32(r), b: UInt32(truncatingIfNeeded: tasks[t].messaging.repliesAsked))
    }

    /// The kernels a shared-pages workload's copies run on, in order of first appearance.
    static func sharingKernels(_ wc: WorkloadConfig) -> [Int] {
        wc.copies.reduce(into: []) { if !$0.contains($1.kernel) { $0.append($1.kernel) } }
    }

    /// Adds a page server per instance to every shared-pages workload spread over several
    /// instances: a kernel thread (SCHED_FIFO 99, as the other protocol threads) that answers
    /// requests and invalidations with messages, as Popcorn's message handlers do.
    static func preparePageServers(_ config: inout SimulationConfig) {
        for (w, wc) in config.workloads.enumerated() {
            guard case .sharedPages = wc.generator else { continue }
            let members = sharingKernels(wc)
            guard members.count > 1 else { continue }
            var server = WorkloadConfig(name: "\(wc.name).pages", copies: members.map { WorkloadConfig.Copy(kernel: $0, threads: 1) },
                                        generator: .pageServer(workload: w), stop: StopRule(), realtime: RealtimeConfig(priority: 99))
            server.kernelThread = KernelThreadRole(family: .pageReply)
            config.workloads.append(server)
        }
    }

    /// The page server of member `m` of region `r`: its live task (after a respawn, the twin).
    /// `mutating` only so that self is passed by reference (a copy of the Simulation otherwise).
    mutating func pageServer(region r: Int, member m: Int) -> Int? {
        let k = memory.regions[r].kernels[m], w = memory.regions[r].serverWorkload
        return tasks.indices.first { tasks[$0].workload == w && tasks[$0].kernel == k && tasks[$0].status != .done }
    }

    /// A page request or invalidation (message `tag`) reached instance `kernel`'s drain on
    /// CPU `c`: queued for its page server, which is woken if it sleeps.
    mutating func queuePageRequest(tag: UInt32, kernel: Int, cpu c: Int, at t: Picoseconds) {
        let requester = KernelThreadRole(tag: tag).subject
        guard let r = memory.regionOfWorkload[tasks[requester].workload], let m = memory.regions[r].kernels.firstIndex(of: kernel) else { return }
        memory.regions[r].pending[m].append(tag)
        if memory.regions[r].serverAsleep[m] {
            memory.regions[r].serverAsleep[m] = false
            if let s = pageServer(region: r, member: m), tasks[s].status == .sleeping {
                queue.push(at: t, target: Int32(s), kind: EventKind.taskWake.rawValue, payload: UInt64(c + 1))
            }
        }
    }

    /// The shared-page `threadSync` kinds: a page server takes its next request (answering
    /// it with a message on the channel back to the requester: the page, or a one-slot
    /// acknowledgement of an invalidation) or sleeps until one is queued; a faulting thread
    /// marks its next messages as invalidations, or sleeps until its answers are in (`count`:
    /// the low 32 bits of the number of answers it must have had).
    mutating func sharedPageSync(task: Int, cpu c: Int, kind: UInt8, region r: Int, count: UInt32, at t: Picoseconds) {
        if kind == Generator.pageTagInvalidate {
            tasks[task].messaging.messageTag = KernelThreadRole(family: .invalidate, subject: task).tag
            return
        }
        if kind == Generator.pageAwaitReplies {
            // A fault blocks its thread until every answer is in (Popcorn waits on a completion).
            let asked = tasks[task].messaging.repliesAsked
            let target = asked - UInt64(UInt32(truncatingIfNeeded: asked) &- count)
            guard directory.peekValue(tasks[task].messaging.replyLine) < target else { return }
            tasks[task].messaging.repliesAwaited = target
            tasks[task].locking.sleepsOnLock = true  // the operation under way goes on after the wake-up
            leaveCPU(task: task, cpu: c, becoming: .sleeping, at: t)
            return
        }
        guard let m = memory.regions[r].kernels.firstIndex(of: tasks[task].kernel) else { return }
        guard !memory.regions[r].pending[m].isEmpty else {
            memory.regions[r].serverAsleep[m] = true
            leaveCPU(task: task, cpu: c, becoming: .sleeping, at: t)
            // Woken by a request, the server looks again.
            tasks[task].current = .threadSync(kind: kind, a: UInt32(r), b: 0)
            tasks[task].hasCurrent = true
            return
        }
        let request = KernelThreadRole(tag: memory.regions[r].pending[m].removeFirst())
        guard let to = memory.regions[r].kernels.firstIndex(of: tasks[request.subject].kernel) else { return }
        tasks[task].messaging.messageTag = KernelThreadRole(family: .pageReply, subject: request.subject).tag
        let bytes = request.family == .page ? UInt32(SharedRegion.linesPerPage * 64) : 0
        tasks[task].messaging.injected = [.channelSend(memory.regions[r].channel[m * memory.regions[r].kernels.count + to], bytes: bytes)]
    }

    /// An answer was counted on `task`'s reply line by CPU `c`: wake the task if it sleeps
    /// for its answers and they are all in.
    mutating func pageAnswered(task: Int, cpu c: Int, at t: Picoseconds) {
        guard tasks[task].messaging.repliesAwaited > 0, directory.peekValue(tasks[task].messaging.replyLine) >= tasks[task].messaging.repliesAwaited else { return }
        tasks[task].messaging.repliesAwaited = 0
        if tasks[task].status == .sleeping {
            queue.push(at: t, target: Int32(task), kind: EventKind.taskWake.rawValue, payload: UInt64(c + 1))
        }
    }
}

