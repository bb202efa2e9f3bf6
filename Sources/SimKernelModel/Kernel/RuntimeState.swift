import Histogram
import SimCPU
import SimMachine
import SimWorkloads

/// Event kinds of the simulation; raw values go into `Event.kind`.
enum EventKind: UInt16 {
    /// A CPU continues executing (payload: the CPU's generation when scheduled).
    case cpuStep
    /// An IPI reaches a CPU (tag: vector).
    case ipiArrive
    /// Scheduler tick on a CPU.
    case tick
    /// A sleeping task becomes runnable (target: task).
    case taskWake
    /// A task is created and placed (target: task).
    case taskStart
    /// A CPU goes offline, comes back online, or is brought up (target: CPU; tag: `HotplugChange`).
    case hotplug
    /// A kernel instance panics, respawns, halts or is asked to shut down (target: kernel;
    /// tag: `LifecycleChange`).
    case lifecycle
    /// A step of a resource move (target: move index; tag: `MoveStep`).
    case move
    /// A workload's tasks are to migrate to another instance (target: workload).
    case migrate
    /// A migrating task's state has reached its new instance (target: task).
    case migrateArrive
    /// A device raises its interrupt (target: device).
    case deviceInterrupt
}

enum CPUMode: UInt8 {
    /// Nothing to run, no event pending.
    case idle
    /// A `cpuStep` event is pending.
    case scheduled
    /// Spinning on a line; woken by a write to it or an interrupt.
    case spinning
}

/// Inner kernel-path frames a task can be in (below a syscall, above the hardware ops).
enum FrameKind: UInt8 { case none, lockAcquire, lockRelease, channelSend, channelReceive, tlbShootdown }

enum TaskStatus: UInt8 { case pending, runnable, running, sleeping, done }

struct TaskState {
    var kernel: Int
    var workload: Int
    var cpu: Int = -1
    var pinnedLocal: Int?
    var status: TaskStatus = .pending
    var generator: Generator
    /// The task's own stream for kernel-path variation (separate from its generator's).
    var rng: SplitMix64
    var current: Operation = .exit
    var hasCurrent = false
    // Syscall frame.
    var syscall = -1
    var syscallPC = 0
    // Inner frame.
    var frame = FrameKind.none
    var phase: UInt8 = 0
    var target = 0
    var scratch: UInt64 = 0
    var scratch2: UInt64 = 0
    var frameStart = Picoseconds.zero
    var waited = false
    /// Next task on the same mutex wait list (-1: last); set while asleep on a mutex.
    var nextLockWaiter: Int32 = -1
    var sleepsOnLock = false
    /// On a mutex's wait list (from its first sleep there until it has the lock).
    var inLockList = false
    /// Asleep until its reply line counts this many answers (a shared-page fault); 0: not.
    var repliesAwaited: UInt64 = 0
    /// In a mutex's optimistic-spin queue (`OSQState`).
    var osqState: UInt8 = 0
    /// Mutexes it holds: when it stops running, their spinners stop watching it.
    var mutexesHeld: UInt16 = 0
    /// Died with its kernel (a panic), rather than exiting.
    var killed = false
    /// The pipe of the syscall under way (pipe_read, pipe_write).
    var pipe: Int32 = -1
    /// A kernel instance it is to migrate to at its next chance (-1: none), and whether it
    /// arrived from another instance (its next run counts a cross-kernel migration).
    var migrateTo: Int32 = -1
    /// A sched_yield under way: give up the CPU when the syscall returns.
    var yieldPending = false
    /// The incarnation of its kernel it belongs to: 1 for the tasks a respawned kernel starts.
    var incarnation: UInt8 = 0
    /// Its stream in `Simulation.traceThreads` (-1: its generator's).
    var traceThread: Int32 = -1
    var crossedKernel = false
    /// The lock frame under way takes a reader-writer lock shared (as a reader).
    var lockShared = false
    /// Operations the kernel model queued ahead of its generator's next (a shared-page fault).
    var injected: [Operation] = []
    /// Shared pages: the line peers' handlers answer its requests on (each reply adds one),
    /// and the replies it has asked for so far.
    var replyLine: LineID = -1
    var repliesAsked: UInt64 = 0
    /// What its messages are (`KernelThreadRole.tag`; 0: a workload's data).
    var messageTag: UInt32 = 0
    /// Popcorn send: slots still to fill for the message under way, and its size.
    var chunksLeft: UInt32 = 0
    var messageBytes: UInt32 = 0
    // Scheduling.
    var weight: UInt64 = 1024
    /// Requested slice (zero: the policy's default).
    var slice = Picoseconds.zero
    var runStart = Picoseconds.zero
    var cpuTime: UInt64 = 0
    /// When the task last became runnable, and when it last woke from sleep (`.max`: not waking).
    var enqueuedAt = Picoseconds.zero
    var wokeAt = Picoseconds.max
    /// The CPU it last ran on (-1: never ran), for placement and migration counts.
    var lastCPU = -1
    /// POSIX real-time priority 1…99 (0: a normal task) and SCHED_RR vs SCHED_FIFO.
    var rtPriority: UInt8 = 0
    var rtRoundRobin = false
    /// SCHED_RR: time used of the current slice, kept across preemptions and sleeps.
    var rrUsed = Picoseconds.zero
    var sched = TaskSchedulingStats()
    // Measurement.
    var opStart = Picoseconds.zero
    var ops: UInt64 = 0
}

/// What the scheduler did to one task (reported per task).
struct TaskSchedulingStats {
    var slices: UInt64 = 0
    var preemptions: UInt64 = 0
    var voluntary: UInt64 = 0
    /// By `MigrationKind`.
    var migrations = [UInt64](repeating: 0, count: MigrationKind.allCases.count)
    /// From a wake-up to running, and from becoming runnable to running.
    var wakeup = DelayStats()
    var wait = DelayStats()
    var exitedAt: Picoseconds?
}

/// Count, sum and maximum of a delay: per-task figures without a histogram per task.
struct DelayStats {
    var count: UInt64 = 0
    var sumPs: UInt64 = 0
    var maxPs: UInt64 = 0

    mutating func record(_ ps: UInt64) {
        count &+= 1
        sumPs &+= ps
        maxPs = max(maxPs, ps)
    }

    var meanNs: Double { count > 0 ? Double(sumPs) / Double(count) / 1000 : 0 }
    var maxNs: Double { Double(maxPs) / 1000 }
}

/// How far a task moved when it ran on another CPU than last time.
public enum MigrationKind: Int, CaseIterable, Sendable {
    /// Another core or SMT thread under the same last-level cache.
    case sameLLC
    /// Another LLC domain (AMD CCX) of the same socket.
    case sameSocket
    case crossSocket
    /// To another kernel instance (Popcorn-style task migration).
    case crossKernel

    public var name: String {
        switch self {
        case .sameLLC: "same_llc"
        case .sameSocket: "same_socket"
        case .crossSocket: "cross_socket"
        case .crossKernel: "cross_kernel"
        }
    }
}

extension TaskState {
    /// Between operations, or inside user work (which resumes where it stopped).
    var isPreemptible: Bool {
        if !hasCurrent { return true }
        if case .compute = current { return true }
        return false
    }
}

struct CPUState {
    var kernel: Int = -1
    var local: Int = -1
    var mode = CPUMode.idle
    /// When an idle CPU became free on its own clock (it can run ahead of the engine).
    var freeAt = Picoseconds.zero
    var generation: UInt64 = 0
    var task = -1
    var lastTask = -1
    var irqEnabled = true
    /// irqsave locks held: interrupts stay off until the last is released.
    var irqOffDepth: UInt8 = 0
    /// When its pending step is due (its own clock, ahead of the engine through pure work),
    /// and pure work an interrupt cut short, to be done once the handler returns.
    var resumeAt = Picoseconds.zero
    var deferred = Picoseconds.zero
    /// When its last interrupt handler returned, on its own clock (possibly ahead of the engine).
    var handlerEndedAt = Picoseconds.zero
    var needResched = false
    var tickArmed = false
    /// Queued (not running) tasks that are not pinned: what the load balancer may move.
    var movableWaiting = 0
    var nextBalance = Picoseconds.zero
    /// Hot-plug: offline CPUs take no tasks; one going offline waits for its running task
    /// to reach a preemption point.
    var online = true
    /// Its kernel panicked: the CPU executes nothing more (interrupts stay pending).
    var halted = false
    var goingOffline = false
    // Interrupt handler frame.
    var inHandler = false
    var vector: UInt8 = 0
    var handlerPhase: UInt8 = 0
    var handlerCount = 0
    var handlerScratch: UInt64 = 0
    // IPI-ring forwarding, when a ring workload runs here.
    var ringNext: Int32 = -1
    var ringHandling = Picoseconds.zero
    var ringWorkload = -1
    // IPI-broadcast acknowledgements, when a broadcast workload targets this CPU.
    var broadcastAck: LineID = -1
    var broadcastHandling = Picoseconds.zero
    // MCS queue nodes: 4 per CPU (nesting levels), as Linux's qspinlock has.
    var mcsNodeBase: LineID = -1
    var mcsDepth = 0
    // Accounting.
    var runnable = 0
    var busySince = Picoseconds.zero
    var busyPs: UInt64 = 0
    var contextSwitches: UInt64 = 0
    var preemptions: UInt64 = 0
    var voluntarySwitches: UInt64 = 0
    var handlerRuns: UInt64 = 0
}

/// A syscall step with its objects resolved to lines or lock records of one kernel.
struct ResolvedStep {
    enum Kind: UInt8 { case compute, read, write, atomic, lock, unlock, pipeRead, pipeWrite, yield, tlbShootdown, tlbShootdownFreedTables }
    var kind: Kind
    /// Line id (read/write/atomic) or lock record index (lock/unlock); base of a per-CPU block.
    var base: Int
    var perCPU: Bool
    var delay: Picoseconds
}

/// A pipe between tasks of one kernel: its buffer line, the messages in it, a sleeping reader.
struct PipeState {
    var line: LineID
    var kernel: Int
    var count: UInt64 = 0
    var reader: Int32 = -1
    var written: UInt64 = 0
}

public struct TLBShootdownCounts: Sendable, Equatable {
    public var shootdowns: UInt64 = 0
    public var interrupted: UInt64 = 0
    public var lazySkipped: UInt64 = 0
    public var flushesOnSwitch: UInt64 = 0
    public init() {}
}

struct KernelRuntime {
    var config: KernelConfig
    var scheduler: Scheduler
    /// Boot timeline (multikernel Linux's LOADED, ACTIVE, every CPU up) and failure.
    var loadedAt = Picoseconds.zero
    var activeAt = Picoseconds.zero
    var cpuUpAt: [Picoseconds] = []
    /// Failed now (nil: running or booting); the failure reported, which a respawn keeps.
    var failedAt: Picoseconds?
    var failedOnce: Picoseconds?
    /// Shut down in order (SYSTEM shutdown): not running any more, but not failed.
    var haltedAt: Picoseconds?
    var tasksStopped = 0
    /// Respawn: when the host starts booting it again, and that boot's timeline.
    var respawnAt: Picoseconds?
    var respawnTimeline: (loaded: Picoseconds, active: Picoseconds, cpuUp: [Picoseconds])?
    /// 0 until it respawns, then 1: a task belongs to one incarnation (`TaskState.incarnation`).
    var incarnation: UInt8 = 0
    var tasksKilled = 0
    /// Corrupted pointers its CPUs followed (an oops each, which panics it), and whether the
    /// panic of the first is still to come.
    var oopses = 0
    var oopsPending = false
    /// TLB shootdowns inside its syscalls (munmap, mprotect): how many, the CPUs interrupted,
    /// lazy CPUs skipped, and the full flushes those did when they switched back.
    var tlb = TLBShootdownCounts()
    /// First task start and last completed operation of its tasks (its throughput's span).
    var firstStart: Picoseconds?
    var lastOp = Picoseconds.zero
    /// Operations its tasks completed while in it (a migrated task's count where it did them).
    var ops: UInt64 = 0
    var realtime = RealtimeQueues(cpuCount: 0, priorities: [])
    var syscalls: [[ResolvedStep]]
    /// Lines of its own kernel objects (per-instance and per-CPU, in its memory).
    var objectLines: [LineID] = []
    /// Per profile object: its first line id (`line`) or lock record (`lock`).
    var objectBase: [Int] = []
    /// Profile indices of pipe_read and pipe_write (-1: the profile has none).
    var pipeRead = -1
    var pipeWrite = -1
    /// Queued tasks over all its CPUs, and those of them that may move (cheap early outs
    /// for stealing and balancing, which run every time a CPU runs dry).
    var waiting = 0
    var movableWaiting = 0
    var migrations = [UInt64](repeating: 0, count: MigrationKind.allCases.count)
    var wakeupLatency = latencyHistogram()
    var runqueueWait = latencyHistogram()
    /// Hot-plug: CPUs taken offline, brought online, tasks moved off departing CPUs, and
    /// pinned tasks whose CPU went away (Linux breaks their affinity).
    var offlined: UInt64 = 0
    var onlined: UInt64 = 0
    var tasksMoved: UInt64 = 0
    var affinityBroken: UInt64 = 0
}

struct LockRecord {
    var line: LineID
    var algorithm: LockAlgorithm
    var stat: Int
    var holdStart = Picoseconds.zero
    /// Taken with interrupts disabled (spin_lock_irqsave): IPIs to the holder, and to a CPU
    /// spinning for it, wait until it is released.
    var irqsave = false
    /// When it was last released (hand-off latency of a waiter that then takes it).
    var releasedAt = Picoseconds.zero
    /// Mutex wait list, FIFO, linked through `TaskState.nextLockWaiter`.
    var waitHead: Int32 = -1
    var waitTail: Int32 = -1
    /// Mutex: the optimistic-spin queue's tail line (-1 until someone first spins).
    var osq: LineID = -1
}

struct LockStats {
    var kernel: Int
    var name: String
    var algorithm: LockAlgorithm
    var acquisitions: UInt64 = 0
    var contended: UInt64 = 0
    var holdPs: UInt64 = 0
    var wait = latencyHistogram()
    /// From a release to a waiting acquirer holding the lock.
    var handoff = latencyHistogram()
    /// Mutex acquisitions that slept.
    var slept: UInt64 = 0
}

struct WorkloadStats {
    var name: String
    var tasks = 0
    var ops: UInt64 = 0
    var firstStart: Picoseconds?
    var lastOp = Picoseconds.zero
    var latency = latencyHistogram()
    /// Wake from sleep to running, and any runnable-to-running wait (new, woken, preempted).
    var wakeupLatency = latencyHistogram()
    var runqueueWait = latencyHistogram()
    /// Lengths of uninterrupted runs on a CPU, ended by preemption, sleep or exit.
    var slices = latencyHistogram()
    var migrations = [UInt64](repeating: 0, count: MigrationKind.allCases.count)
    var exited = 0
    var lastExit = Picoseconds.zero
    /// Cross-kernel migrations: from leaving the CPU to being runnable in the new instance.
    var transfer = DelayStats()
}

/// One direction of a channel: a ring of slots in the receiver's memory.
struct RingState {
    var channel: Int
    var from: Int
    var to: Int
    var transport: ChannelTransport
    var slots: Int
    var head: LineID
    var tail: LineID
    var slotBase: LineID
    var sentAt: [Picoseconds]
    /// Per slot, the tag of the message published there (`KernelThreadRole.tag`).
    var tags: [UInt32]
    /// Messages delivered, by `MessageFamily`.
    var deliveredByFamily = [UInt64](repeating: 0, count: MessageFamily.allCases.count)
    var receiverCPU: Int
    var vector: UInt8
    var handling: Picoseconds
    var budget: Int
    var slotBytes: Int
    /// URPC: the receiver's acknowledgement line (in the sender's memory) and stub time per end.
    var ackLine: LineID = -1
    var stub = Picoseconds.zero
    var pollInterval = Picoseconds.zero
    /// Popcorn: set while the receiver drains (senders skip the IPI).
    var activeLine: LineID = -1
    /// URPC sequence numbers: the sender's next, the last acknowledgement it read, the
    /// receiver's next. Kept by each side privately (no memory traffic).
    var nextSeq: UInt64 = 0
    var knownAck: UInt64 = 0
    var recvSeq: UInt64 = 0
    // Statistics.
    var bytes: UInt64 = 0
    var sent: UInt64 = 0
    /// Slots the receiver has taken (a popcorn message may span several).
    var slotsTaken: UInt64 = 0
    var delivered: UInt64 = 0
    var fullStalls: UInt64 = 0
    var ipis: UInt64 = 0
    /// Messages given up on a full ring, and replies waited for in vain (`timeout`).
    var dropped: UInt64 = 0
    var receiveTimeouts: UInt64 = 0
    /// When the receiver last took a message (a peer watching heartbeats sees this stop).
    var lastDelivered = Picoseconds.zero
    var timeout = Picoseconds.zero
    var latency = latencyHistogram()
}

/// Interrupt vectors the kernel model uses.
enum Vectors {
    /// Channel notification vectors: base + ring index.
    static let channelBase: UInt8 = 0x40
    static let maxRings = 0x80
    /// The IPI-ring benchmark's vector.
    static let ring: UInt8 = 0xF0
    /// The IPI-broadcast workload's vector (its handler acknowledges on a shared line).
    static let broadcast: UInt8 = 0xF1
    /// A flooding instance's vector: the handler does nothing but enter and leave.
    static let flood: UInt8 = 0xF2
    /// TLB shootdown requests of syscall paths (Linux's call-function vector): the handler
    /// serves its CPU's queue of requests.
    static let tlbShootdown: UInt8 = 0xFB
    /// Non-maskable interrupt: taken even with interrupts disabled.
    static let nmi: UInt8 = 2
    /// Device interrupt vectors: base + device index (below the channels' priority class).
    static let deviceBase: UInt8 = 0x30
    static let maxDevices = 16
}

/// A latency histogram fed through a one-value run-length buffer: a run of equal values
/// (an IPI ring's constant hop) costs a compare each instead of a histogram update, which
/// was ~12% of the ring benchmark.
struct RunLengthHistogram {
    var histogram = latencyHistogram()
    var value: UInt64 = 0
    var count: UInt64 = 0

    @inline(__always) mutating func record(_ v: UInt64) {
        if v == value && count > 0 { count &+= 1; return }
        flush()
        value = v
        count = 1
    }

    mutating func flush() {
        if count > 0 { _ = histogram.record(value, count: count) }
        count = 0
    }

    var summary: LatencySummary {
        var copy = self
        copy.flush()
        return LatencySummary(copy.histogram)
    }
}

/// Latencies in picoseconds up to ~75 minutes, two significant digits (~1%).
func latencyHistogram() -> Histogram<UInt64> {
    Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 1 << 52, numberOfSignificantValueDigits: .two)
}
