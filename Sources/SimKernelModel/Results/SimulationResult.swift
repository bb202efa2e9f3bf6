import Histogram
import SimMachine

/// Percentiles of a distribution, in nanoseconds.
public struct LatencySummary: Sendable, Equatable {
    public var count: UInt64
    public var p50: Double
    public var p90: Double
    public var p99: Double
    public var max: Double
    public var mean: Double

    public static let empty = LatencySummary(count: 0, p50: 0, p90: 0, p99: 0, max: 0, mean: 0)

    init(_ h: Histogram<UInt64>) {
        guard h.totalCount > 0 else { self = .empty; return }
        count = h.totalCount
        p50 = Double(h.valueAtPercentile(50)) / 1000
        p90 = Double(h.valueAtPercentile(90)) / 1000
        p99 = Double(h.valueAtPercentile(99)) / 1000
        max = Double(h.max) / 1000
        mean = h.mean / 1000
    }

    init(count: UInt64, p50: Double, p90: Double, p99: Double, max: Double, mean: Double) {
        self.count = count; self.p50 = p50; self.p90 = p90; self.p99 = p99; self.max = max; self.mean = mean
    }
}

public struct LockResult: Sendable {
    public var name: String
    public var algorithm: String
    public var acquisitions: UInt64
    public var contended: UInt64
    public var holdMeanNs: Double
    public var wait: LatencySummary
    /// From a release to the next holder having it, for acquisitions that waited.
    public var handoff: LatencySummary
    /// Mutex acquisitions that went to sleep.
    public var slept: UInt64
}

public struct KernelResult: Sendable {
    public var name: String
    public var cpus: Int
    public var utilization: Double
    public var contextSwitches: UInt64
    public var ipiSent: UInt64
    public var ipiReceived: UInt64
    public var interruptsHandled: UInt64
    /// Switches forced by the scheduler, and those where the task gave up its CPU (sleep, exit).
    public var preemptions: UInt64
    public var voluntarySwitches: UInt64
    /// Jain's index over the kernel's tasks of CPU time per unit of weight (1 = perfectly fair).
    public var fairness: Double
    /// CPU time its CPUs spent idle (no task, no interrupt handler), in ns.
    public var idleNs: Double
    /// Tasks that ran on another CPU than last time, by `MigrationKind` (same LLC, same socket, cross socket).
    public var migrations: [UInt64]
    public var wakeupLatency: LatencySummary
    public var runqueueWait: LatencySummary
    /// CPU hot-plug: CPUs taken offline and brought online, tasks moved off departing CPUs,
    /// and how many of those were pinned there.
    public var hotplug: (offline: UInt64, online: UInt64, tasksMoved: UInt64, affinityBroken: UInt64)
    public var locks: [LockResult]
    /// TLB shootdowns inside its syscalls (munmap, mprotect).
    public var tlb: TLBShootdownCounts
    public var lifecycle: KernelLifecycle
    /// Operations completed by this instance's tasks, and per second from its first task's
    /// start to its last operation (its share of every workload it runs: after a panic, the
    /// survivors' throughput on its own).
    public var ops: UInt64
    public var throughputPerSecond: Double
}

/// How an instance came up and whether it went down.
public struct KernelLifecycle: Sendable {
    /// `active`, `booting` (its CPUs were still coming up at the end), `failed`, or `halted`
    /// (shut down in order).
    public var state: String
    public var via: String
    public var loadedNs: Double
    public var activeNs: Double
    /// When its last CPU came up (boot complete).
    public var allCPUsUpNs: Double
    public var failedNs: Double?
    /// A failed instance booted again by the host: when that boot started, when the kernel
    /// was active (its tasks start over), and when its last CPU was up.
    public struct Respawn: Sendable {
        public var atNs: Double
        public var activeNs: Double
        public var allCPUsUpNs: Double
    }
    public var respawn: Respawn?
    /// When it halted on a shutdown request, and the tasks that shutdown stopped.
    public var haltedNs: Double?
    public var tasksStopped: Int = 0
    /// INIT and SIPI interrupts its boot CPU sent to bring the others up (3 per CPU; 0 for
    /// a parked-CPU trampoline or a kernel present from the start).
    public var startupIPIs: Int
    public var tasksKilled: Int
    /// Corrupted pointers its CPUs followed (each oops panics it).
    public var oopses: Int = 0
    /// CPUs and memory it held (a failed instance's resources, accounted for).
    public var cpus: [Int]
    public var memoryBytes: UInt64
    public var memoryNode: Int
}

public struct WorkloadResult: Sendable {
    public var name: String
    public var tasks: Int
    public var ops: UInt64
    public var elapsedNs: Double
    public var throughputPerSecond: Double
    public var latency: LatencySummary
    /// CPU time its tasks got, in ns, and Jain's index of it per unit of weight.
    public var cpuTimeNs: Double
    public var fairness: Double
    /// From waking (end of a sleep) to running; from becoming runnable to running.
    public var wakeupLatency: LatencySummary
    public var runqueueWait: LatencySummary
    /// Periodic jobs completed after the end of their period.
    public var deadlineMisses: UInt64
    /// Uninterrupted runs on a CPU (ended by preemption, sleep or exit).
    public var slices: LatencySummary
    /// Involuntary (preempted) and voluntary (slept or exited) switches away from its tasks.
    public var preemptions: UInt64
    public var voluntarySwitches: UInt64
    public var migrations: [UInt64]
    /// Cross-kernel migrations: mean and longest time from leaving a CPU to being runnable in
    /// the new instance.
    public var crossKernelTransferMeanNs: Double
    public var crossKernelTransferMaxNs: Double
    /// Tasks that exited, and the time from the first start to the last exit once all have (else nil).
    public var exited: Int
    public var makespanNs: Double?
    /// A `shared-pages` workload's protocol: faults that copied a page in (reads), writes
    /// that had to take a page over, and invalidation messages those sent.
    public var sharedPages: (readFaults: UInt64, writeFaults: UInt64, invalidations: UInt64)?
}

/// One task's scheduling history (means and maxima; percentiles are per workload).
public struct TaskResult: Sendable {
    public var workload: String
    /// Index of the task within its workload (copies in kernel order).
    public var index: Int
    public var kernel: String
    /// The CPU it ran on last (-1: never ran).
    public var lastCPU: Int
    public var cpuTimeNs: Double
    public var ops: UInt64
    public var slices: UInt64
    public var preemptions: UInt64
    public var voluntarySwitches: UInt64
    public var migrations: [UInt64]
    public var wakeups: UInt64
    public var wakeupMeanNs: Double
    public var wakeupMaxNs: Double
    public var runqueueWaitMeanNs: Double
    public var runqueueWaitMaxNs: Double
    public var exitedNs: Double?
}

/// Jain's fairness index (Σx)² / (n Σx²): 1 when all equal, 1/n when one gets everything.
public func jainIndex(_ xs: [Double]) -> Double {
    guard !xs.isEmpty else { return 1 }
    let sum = xs.reduce(0, +), squares = xs.reduce(0) { $0 + $1 * $1 }
    return squares == 0 ? 1 : sum * sum / (Double(xs.count) * squares)
}

public struct HotLine: Sendable {
    public var name: String
    public var misses: UInt64
    public var accesses: UInt64
    public var remoteTransfers: UInt64
    public var queueWaitNs: Double
    public var touchedBy: [Int]
}

public struct ChannelResult: Sendable {
    public var name: String
    public var direction: String
    public var sent: UInt64
    public var delivered: UInt64
    public var bytes: UInt64
    public var ipis: UInt64
    public var ringFullStalls: UInt64
    public var latency: LatencySummary
    /// Messages published in the ring's slots and not yet taken at the end, counted from the
    /// simulated memory (the slots' sequence words), not from the counters above.
    public var inRing: UInt64
    /// Messages a sender gave up on a full ring, and receives that timed out (`timeout`).
    public var dropped: UInt64
    public var receiveTimeouts: UInt64
    /// When the receiver last took a message (0: never).
    public var lastDeliveredNs: Double
    /// Messages delivered by family (`MessageFamily` order: data, resource, ack, heartbeat,
    /// shutdown, page, invalidate, page_reply).
    public var deliveredByFamily: [(String, UInt64)] = []
}

/// Where every IPI went, for conservation checks: `targeted == arrived + inFlight` and
/// `taken == arrived - coalesced + reraised - pending`.
public struct IPIAccounting: Sendable {
    /// Interrupts addressed to a CPU (a group send counts each target).
    public var targeted: UInt64
    public var arrived: UInt64
    /// Still travelling when the run ended.
    public var inFlight: UInt64
    /// Arrivals merged into a vector already pending.
    public var coalesced: UInt64
    /// Vectors a handler raised again for itself (drain budget spent).
    public var reraised: UInt64
    /// Handler entries.
    public var taken: UInt64
    /// Pending, not yet taken, at the end.
    public var pending: UInt64
}

/// Everything a run measured. Deterministic except `host`.
public struct SimulationResult: Sendable {
    public var simTime: Picoseconds
    public var kernels: [KernelResult]
    public var workloads: [WorkloadResult]
    public var tasks: [TaskResult]
    /// Coherence transfers by where the data came from (AccessSource order).
    public var transfers: [(String, UInt64)]
    /// Memory operations (loads, stores, atomics, spin polls) the coherence model served.
    public var memoryAccesses: UInt64
    /// Per cache level, L1 first: hits, misses, evictions; and dirty lines written back.
    public var caches: [CacheLevelStats]
    public var writebacks: UInt64
    /// Memory controllers (`nodeN`) and the inter-socket links that carried lines (`socketA->B`).
    public var servers: [ServerStats]
    public var hotLines: [HotLine]
    public var channels: [ChannelResult]
    public var ipiSent: UInt64
    public var ipiDelivered: UInt64
    /// From the send to the target's handler entry (coalesced arrivals: from the first send).
    public var ipiLatency: LatencySummary
    public var ipiAccounting: IPIAccounting
    public var moves: [MoveResult]
    public var devices: [DeviceResult] = []
    /// Traced workloads: what was replayed, and a trace that turned out unreadable mid-run.
    public var traces: [TraceResult] = []
    public var host: HostStats
    /// Found stuck: from this time on nothing happened but scheduler ticks, and the run was
    /// ended (only without a `duration`; nil otherwise).
    public var stalledAt: Picoseconds?
}

/// What a traced workload replayed.
public struct TraceResult: Sendable {
    public var workload: String
    public var records: UInt64
    public var pages: Int
    public var locks: Int
    /// Syscalls the kernels' profiles do not have (charged entry and exit only).
    public var unmodeledSyscalls: UInt64
    /// The trace could not be read to its end (its threads stopped there).
    public var error: String?
}

/// One device's interrupts: every one raised was handled, merged into a pending one
/// (`coalesced`), or is still pending at the end.
public struct DeviceResult: Sendable {
    public var name: String
    public var kernel: String
    public var cpu: Int
    public var raised: UInt64
    public var coalesced: UInt64
    public var handled: UInt64
    public var pending: UInt64
    /// From raising the interrupt to its handler's entry (coalesced ones: from the first).
    public var latency: LatencySummary
}

/// One resource move, step by step (times from the start of the run).
public struct MoveResult: Sendable {
    public var cpus: [Int]
    public var from: String
    public var to: String
    public var requestedNs: Double
    /// The donor is done with the CPUs (empty, then taken down).
    public var releasedNs: Double
    /// The RESOURCE message reached the receiver.
    public var arrivedNs: Double
    /// The last CPU is up in the receiver.
    public var onlineNs: Double
    /// The ACK reached the donor (0: not yet at the end).
    public var ackedNs: Double
    /// Tasks that had to leave the departing CPUs.
    public var tasksMoved: UInt64
    /// A memory move: the bytes handed over, and the pages the donor migrated out first.
    public var memoryBytes: UInt64 = 0
    public var pagesMigrated: UInt64 = 0
}

public struct HostStats: Sendable {
    public var wallSeconds: Double
    public var events: UInt64
    public var eventsPerSecond: Double { wallSeconds > 0 ? Double(events) / wallSeconds : 0 }
}

extension Simulation {
    func makeResult(wallSeconds: Double) -> SimulationResult {
        let end = now
        // CPU time per task, including the stretch still running at the end.
        let cpuTime: [Double] = tasks.indices.map { t in
            var ps = tasks[t].scheduling.cpuTime
            if tasks[t].status == .running && end > tasks[t].scheduling.runStart { ps &+= (end - tasks[t].scheduling.runStart).raw }
            return Double(ps) / 1000
        }
        func fairness(_ ids: [Int]) -> Double { jainIndex(ids.map { cpuTime[$0] / Double(tasks[$0].scheduling.weight) }) }
        var kernelResults: [KernelResult] = []
        for (k, kr) in kernels.enumerated() {
            var busy: UInt64 = 0, switches: UInt64 = 0, sent: UInt64 = 0, received: UInt64 = 0, handled: UInt64 = 0
            var preemptions: UInt64 = 0, voluntary: UInt64 = 0
            for c in kr.config.cpus {
                var b = cpus[c].accounting.busyPs
                if cpus[c].mode != .idle { b &+= end.raw &- cpus[c].accounting.busySince.raw }
                // A CPU that changed hands counts for each owner up to or from the hand-over.
                if let handed = moves.busyAtHandOver[c] { b = cpus[c].kernel == k ? b &- handed : handed } else if cpus[c].kernel != k { b = 0 }
                busy &+= b
                switches &+= cpus[c].accounting.contextSwitches
                sent &+= apic.sent[c]
                received &+= apic.received[c]
                handled &+= cpus[c].accounting.handlerRuns
                preemptions &+= cpus[c].accounting.preemptions
                voluntary &+= cpus[c].accounting.voluntarySwitches
            }
            let total = Double(end.raw) * Double(kr.config.cpus.count)
            let idle = max(0, total - Double(busy)) / 1000
            let lockResults = locks.stats.enumerated().filter { $0.element.kernel == k }.map { _, s in
                LockResult(name: s.name, algorithm: s.algorithm.rawValue, acquisitions: s.acquisitions, contended: s.contended,
                           holdMeanNs: s.acquisitions > 0 ? Double(s.holdPs) / Double(s.acquisitions) / 1000 : 0,
                           wait: LatencySummary(s.wait), handoff: LatencySummary(s.handoff), slept: s.slept)
            }
            let kernelOps = kr.stats.ops
            kernelResults.append(KernelResult(
                name: kr.config.name, cpus: kr.config.cpus.count, utilization: total > 0 ? Double(busy) / total : 0,
                contextSwitches: switches, ipiSent: sent, ipiReceived: received, interruptsHandled: handled,
                preemptions: preemptions, voluntarySwitches: voluntary, fairness: fairness(tasks.indices.filter { tasks[$0].kernel == k }),
                idleNs: idle, migrations: kr.stats.migrations, wakeupLatency: LatencySummary(kr.stats.wakeupLatency),
                runqueueWait: LatencySummary(kr.stats.runqueueWait),
                hotplug: (kr.stats.offlined, kr.stats.onlined, kr.stats.tasksMoved, kr.stats.affinityBroken), locks: lockResults, tlb: kr.stats.tlb,
                lifecycle: lifecycle(k, end: end), ops: kernelOps,
                throughputPerSecond: kr.stats.lastOp > (kr.stats.firstStart ?? kr.stats.lastOp) ? Double(kernelOps) / (kr.stats.lastOp - kr.stats.firstStart!).seconds : 0))
        }
        let workloads = workloadStats.enumerated().map { i, w -> WorkloadResult in
            let start = w.firstStart ?? .zero
            let elapsed = w.lastOp > start ? Double((w.lastOp - start).raw) / 1000 : 0
            let mine = tasks.indices.filter { tasks[$0].workload == i }
            return WorkloadResult(name: w.name, tasks: w.tasks, ops: w.ops, elapsedNs: elapsed,
                                  throughputPerSecond: elapsed > 0 ? Double(w.ops) / (elapsed * 1e-9) : 0,
                                  latency: LatencySummary(w.latency), cpuTimeNs: mine.reduce(0) { $0 + cpuTime[$1] },
                                  fairness: fairness(mine), wakeupLatency: LatencySummary(w.wakeupLatency),
                                  runqueueWait: LatencySummary(w.runqueueWait),
                                  deadlineMisses: mine.reduce(0) { $0 + tasks[$1].generator.deadlineMisses },
                                  slices: LatencySummary(w.slices),
                                  preemptions: mine.reduce(0) { $0 + tasks[$1].sched.preemptions },
                                  voluntarySwitches: mine.reduce(0) { $0 + tasks[$1].sched.voluntary },
                                  migrations: w.migrations, crossKernelTransferMeanNs: w.transfer.meanNs,
                                  crossKernelTransferMaxNs: w.transfer.maxNs, exited: w.exited,
                                  makespanNs: w.exited == w.tasks && w.tasks > 0 ? (w.lastExit - start).nanoseconds : nil,
                                  sharedPages: memory.regionOfWorkload[i].map { (memory.regions[$0].readFaults, memory.regions[$0].writeFaults, memory.regions[$0].invalidations) })
        }
        var perWorkload = [Int](repeating: 0, count: workloadStats.count)
        let taskResults = tasks.indices.map { t -> TaskResult in
            let task = tasks[t], s = task.sched
            let index = perWorkload[task.workload]
            perWorkload[task.workload] += 1
            return TaskResult(workload: workloadStats[task.workload].name, index: index, kernel: config.kernels[task.kernel].name,
                              lastCPU: task.scheduling.lastCPU, cpuTimeNs: cpuTime[t], ops: task.ops, slices: s.slices,
                              preemptions: s.preemptions, voluntarySwitches: s.voluntary, migrations: s.migrations,
                              wakeups: s.wakeup.count, wakeupMeanNs: s.wakeup.meanNs, wakeupMaxNs: s.wakeup.maxNs,
                              runqueueWaitMeanNs: s.wait.meanNs, runqueueWaitMaxNs: s.wait.maxNs,
                              exitedNs: s.exitedAt?.nanoseconds)
        }
        let transfers = AccessSource.allCases.filter { $0 != .hit }.map { ($0.name, directory.transfers[$0.rawValue]) }
        // Hottest lines: most misses, then most queueing, then lowest id (deterministic).
        let ranked = (0..<directory.lineCount).filter { directory.lineMisses[$0] > 0 }.sorted {
            let a = directory.lineMisses[$0], b = directory.lineMisses[$1]
            if a != b { return a > b }
            let wa = directory.lineWaitPs[$0], wb = directory.lineWaitPs[$1]
            if wa != wb { return wa > wb }
            return $0 < $1
        }
        let hot = ranked.prefix(5).map { l in
            HotLine(name: directory.names[l], misses: directory.lineMisses[l], accesses: directory.lineAccesses[l],
                    remoteTransfers: directory.lineRemoteTransfers[l], queueWaitNs: Double(directory.lineWaitPs[l]) / 1000,
                    touchedBy: directory.touchers(of: LineID(l)))
        }
        let channels = channels.rings.map { r in
            ChannelResult(name: config.channels[r.channel].name,
                          direction: "\(config.kernels[r.from].name)->\(config.kernels[r.to].name)",
                          sent: r.stats.sent, delivered: r.stats.delivered, bytes: r.stats.bytes, ipis: r.stats.ipis,
                          ringFullStalls: r.stats.fullStalls, latency: LatencySummary(r.stats.latency), inRing: unconsumedSlots(r),
                          dropped: r.stats.dropped, receiveTimeouts: r.stats.receiveTimeouts, lastDeliveredNs: r.stats.lastDelivered.nanoseconds,
                          deliveredByFamily: MessageFamily.allCases.map { ($0.name, r.stats.deliveredByFamily[Int($0.rawValue)]) })
        }
        // Device interrupts are not IPIs: their handler runs and pending vectors are kept apart.
        let devicePending = devices.indices.map { d in
            apic.isPending(cpu: devices[d].config.cpu, vector: Vectors.deviceBase + UInt8(d)) ? UInt64(1) : 0
        }
        let accounting = IPIAccounting(
            targeted: ipis.targeted, arrived: apic.received.reduce(0, +),
            inFlight: UInt64(queue.count(kind: EventKind.ipiArrive.rawValue)), coalesced: apic.coalesced, reraised: apic.reraised,
            taken: cpus.reduce(0) { $0 + $1.accounting.handlerRuns } - devices.reduce(0) { $0 + $1.handled },
            pending: UInt64(apic.pendingTotal) - devicePending.reduce(0, +))
        return SimulationResult(
            simTime: end, kernels: kernelResults, workloads: workloads, tasks: taskResults, transfers: transfers,
            memoryAccesses: directory.lineAccesses.reduce(0, +), caches: directory.cacheStats, writebacks: directory.writebacks,
            servers: directory.serverStats(elapsed: end),
            hotLines: hot,
            channels: channels, ipiSent: apic.sent.reduce(0, +), ipiDelivered: apic.received.reduce(0, +),
            ipiLatency: ipis.latency.summary, ipiAccounting: accounting,
            moves: config.moves.enumerated().map { i, m in
                let r = moves.records[i]
                return MoveResult(cpus: m.cpus, from: config.kernels[m.from].name, to: config.kernels[m.to].name,
                                  requestedNs: m.at.nanoseconds, releasedNs: r.released.nanoseconds, arrivedNs: r.arrived.nanoseconds,
                                  onlineNs: r.online.nanoseconds, ackedNs: r.acked.nanoseconds, tasksMoved: r.tasksMoved,
                                  memoryBytes: m.memory?.bytes ?? 0, pagesMigrated: m.memory?.pagesMigrated ?? 0)
            },
            devices: devices.indices.map { d in
                let v = devices[d]
                return DeviceResult(name: v.config.name, kernel: config.kernels[v.config.kernel].name, cpu: v.config.cpu,
                                    raised: v.raised, coalesced: v.coalesced, handled: v.handled, pending: devicePending[d],
                                    latency: LatencySummary(v.latency))
            },
            traces: traces.processes.map {
                TraceResult(workload: $0.name, records: $0.records, pages: $0.space.pages.count, locks: $0.lockAt.count,
                            unmodeledSyscalls: $0.unmodeledSyscalls, error: $0.error?.description)
            },
            host: HostStats(wallSeconds: wallSeconds, events: progress.events), stalledAt: progress.stalledSince)
    }
}

extension Simulation {
    /// Published, untaken messages of a ring, read from its lines: a slot holding sequence
    /// number `s` holds `s + 1` (slots are never cleared, so the walk starts at the first
    /// slot not yet taken and stops at the first not published for its turn); a popcorn
    /// message counts once its last chunk is there.
    func unconsumedSlots(_ r: RingState) -> UInt64 {
        var messages: UInt64 = 0
        var seq = r.stats.slotsTaken
        while seq - r.stats.slotsTaken < UInt64(r.slots) {
            let word = directory.peekValue(slotLine(r, seq))
            guard word & ~Self.lastChunk == seq + 1 else { break }
            if !r.transport.traits.splitsMessages || word & Self.lastChunk != 0 { messages += 1 }  // complete messages only
            seq += 1
        }
        return messages
    }
}

extension Simulation {
    func lifecycle(_ k: Int, end: Picoseconds) -> KernelLifecycle {
        let kr = kernels[k]
        let allUp = kr.life.cpuUpAt.max() ?? kr.life.activeAt
        let respawned = kr.life.incarnation > 0 ? kr.life.respawnTimeline : nil
        let lastUp = respawned.map { $0.cpuUp.max() ?? $0.active } ?? allUp
        let state = kr.life.haltedAt != nil ? "halted" : kr.life.failedAt != nil ? "failed" : lastUp > end ? "booting" : "active"
        return KernelLifecycle(state: state, via: kr.config.boot.via.rawValue, loadedNs: kr.life.loadedAt.nanoseconds,
                               activeNs: kr.life.activeAt.nanoseconds, allCPUsUpNs: allUp.nanoseconds,
                               failedNs: kr.life.failedOnce?.nanoseconds,
                               respawn: respawned.map { r in
                                   KernelLifecycle.Respawn(atNs: kr.life.respawnAt!.nanoseconds, activeNs: r.active.nanoseconds,
                                                           allCPUsUpNs: (r.cpuUp.max() ?? r.active).nanoseconds)
                               },
                               haltedNs: kr.life.haltedAt?.nanoseconds, tasksStopped: kr.life.tasksStopped,
                               startupIPIs: kr.config.boot.via == .kexec && kr.config.boot.bringup == .initSIPI ? 3 * (kr.config.cpus.count - 1) : 0,
                               tasksKilled: kr.life.tasksKilled, oopses: kr.life.oopses,
                               cpus: kr.config.cpus.filter { cpus[$0].kernel == k }.sorted(),
                               memoryBytes: kr.config.memoryBytes, memoryNode: kr.config.memoryNode)
    }
}
