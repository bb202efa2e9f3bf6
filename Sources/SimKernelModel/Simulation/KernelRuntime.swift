import Histogram
import SimCPU
import SimMachine

struct KernelRuntime {
    var config: KernelConfig
    var scheduler: Scheduler
    var realtime = RealtimeQueues(cpuCount: 0, priorities: [])
    var syscalls: [[ResolvedStep]]
    /// Lines of its own kernel objects (per-instance and per-CPU, in its memory).
    var objectLines: [LineID] = []
    /// Per profile object: its first line id (`line`) or lock record (`lock`).
    var objectBase: [Int] = []
    /// Its per-task and per-address-space objects, made when first touched.
    var taskObjects = OwnedObjects()
    var processObjects = OwnedObjects()
    /// Profile indices of pipe_read and pipe_write (-1: the profile has none).
    var pipeRead = -1
    var pipeWrite = -1
    /// Queued tasks over all its CPUs, and those of them that may move (cheap early outs
    /// for stealing and balancing, which run every time a CPU runs dry).
    var waiting = 0
    var movableWaiting = 0
    var life = KernelLife()
    var stats = KernelStats()
}

/// A kernel instance's life: its boot timeline (multikernel Linux's LOADED, ACTIVE, every
/// CPU up), failure, orderly halt, respawn and the incarnation it is in, oopses.
struct KernelLife {
    /// The task that sends its SYSTEM shutdown message (-1: none, it halts directly).
    var shutdownSender = -1
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
}

/// What a kernel instance's tasks and CPUs did: TLB shootdowns, the span and count of its
/// operations, migrations, wake-up and run-queue latencies, hot-plug.
struct KernelStats {
    /// TLB shootdowns inside its syscalls (munmap, mprotect): how many, the CPUs interrupted,
    /// lazy CPUs skipped, and the full flushes those did when they switched back.
    var tlb = TLBShootdownCounts()
    /// First task start and last completed operation of its tasks (its throughput's span).
    var firstStart: Picoseconds?
    var lastOp = Picoseconds.zero
    /// Operations its tasks completed while in it (a migrated task's count where it did them).
    var ops: UInt64 = 0
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
