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
    /// The distribution at `cdfPercentiles` (0 is the minimum, 100 the maximum): the
    /// points of its CDF, for plots (the report); empty when nothing was recorded.
    public var cdf: [Double] = []

    /// Where the CDF is sampled: dense enough for a plot, denser in the tail.
    public static let cdfPercentiles: [Double] = [0, 1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99, 99.9, 100]

    public static let empty = LatencySummary(count: 0, p50: 0, p90: 0, p99: 0, max: 0, mean: 0)

    init(_ h: Histogram<UInt64>) {
        guard h.totalCount > 0 else { self = .empty; return }
        count = h.totalCount
        p50 = Double(h.valueAtPercentile(50)) / 1000
        p90 = Double(h.valueAtPercentile(90)) / 1000
        p99 = Double(h.valueAtPercentile(99)) / 1000
        max = Double(h.max) / 1000
        mean = h.mean / 1000
        cdf = Self.cdfPercentiles.map { p in Double(p == 100 ? h.max : h.valueAtPercentile(p)) / 1000 }
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
    /// rwsem: waiters that set HANDOFF, grants of the lock to waiting readers, and the
    /// readers so granted (nil for other algorithms).
    public var rwsem: RWSemCounts?
}

public struct RWSemCounts: Sendable {
    public var handoffs: UInt64
    public var readerGrants: UInt64
    public var readersGranted: UInt64
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
    public var hotplug: HotplugCounts
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

/// CPU hot-plug of one kernel instance.
public struct HotplugCounts: Sendable, Equatable {
    public var offline: UInt64
    public var online: UInt64
    public var tasksMoved: UInt64
    public var affinityBroken: UInt64
}

/// Where a kernel instance was at the end of the run.
public enum KernelState: String, Sendable {
    case active
    /// Its CPUs were still coming up at the end.
    case booting
    case failed
    /// Shut down in order.
    case halted
}

/// Coherence transfers by where the data came from (every `AccessSource` but a hit).
public struct TransferCounts: Sendable, Equatable {
    /// By `AccessSource.rawValue`.
    var counts: [UInt64]

    public subscript(_ source: AccessSource) -> UInt64 { counts[source.rawValue] }

    /// In `AccessSource` order, hits left out.
    public var all: [(source: AccessSource, count: UInt64)] {
        AccessSource.allCases.filter { $0 != .hit }.map { ($0, counts[$0.rawValue]) }
    }
}

/// How an instance came up and whether it went down.
public struct KernelLifecycle: Sendable {
    public var state: KernelState
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
    /// A `will-it-scale` workload: its testcase and mode, and each task's rate (as
    /// will-it-scale prints min, max and total per sample; the total is `throughputPerSecond`).
    public var willItScale: WillItScaleReport?
}

public struct WillItScaleReport: Sendable {
    public var testcase: String
    public var mode: String
    public var perTaskMin: Double
    public var perTaskMean: Double
    public var perTaskMax: Double
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
    /// The run stalled and this task had not finished: what it waits on, in words.
    public var waitsOn: String? = nil
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

/// What the store buffers did: stores retired into them, loads they answered, stores that
/// found theirs full, operations (fences, locked operations, IPI sends) that waited for a drain.
public struct StoreBufferStats: Sendable {
    public var entries: Int
    public var stores: UInt64
    public var forwarded: UInt64
    public var fullStalls: UInt64
    public var drainWaits: UInt64
}

/// Everything a run measured. Deterministic except `host`.
public struct SimulationResult: Sendable {
    public var simTime: Picoseconds
    public var kernels: [KernelResult]
    public var workloads: [WorkloadResult]
    public var tasks: [TaskResult]
    public var transfers: TransferCounts
    /// Memory operations (loads, stores, atomics, spin polls) the coherence model served.
    public var memoryAccesses: UInt64
    /// Per cache level, L1 first: hits, misses, evictions; and dirty lines written back.
    public var caches: [CacheLevelStats]
    public var writebacks: UInt64
    /// Memory controllers (`nodeN`) and the inter-socket links that carried lines (`socketA->B`).
    public var servers: [ServerStats]
    /// Coherence control messages that crossed socket links, by kind (`CoherenceSpec.packets`).
    public var linkMessages: [(LinkMessage, UInt64)] = []
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
    /// The cores' store buffers (nil: the machine has none).
    public var storeBuffer: StoreBufferStats?
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
    /// Interacting operations (accesses, sends) a CPU ran on its own clock, no other event
    /// being due before them, instead of with an event of their own.
    public var inlineOperations: UInt64 = 0
    public var eventsPerSecond: Double { wallSeconds > 0 ? Double(events) / wallSeconds : 0 }
}
