import SimCPU
import SimMachine
import SimWorkloads

/// Inner kernel-path frames a task can be in (below a syscall, above the hardware ops).
enum FrameKind: UInt8 { case none, lockAcquire, lockRelease, channelSend, channelReceive, tlbShootdown }

enum TaskStatus: UInt8 { case pending, runnable, running, sleeping, done }

struct TaskState {
    var kernel: Int
    var workload: Int
    /// Its address space when it has one of its own (will-it-scale's processes mode);
    /// -1: the one its workload's threads share on their kernel.
    var process: Int32 = -1
    var cpu: Int = -1
    var pinnedLocal: Int?
    var status: TaskStatus = .pending
    var generator: Generator
    /// The task's own stream for kernel-path variation (separate from its generator's).
    var rng: SplitMix64
    var current: Operation = .exit
    var hasCurrent = false
    var syscall = -1
    var syscallPC = 0
    /// The kernel-path frame under way below the syscall (its kind, phase and scratch words).
    var frame = TaskFrame()
    /// Died with its kernel (a panic), rather than exiting.
    var killed = false
    /// The incarnation of its kernel it belongs to: 1 for the tasks a respawned kernel starts.
    var incarnation: UInt8 = 0
    /// Its stream in `Simulation.traceThreads` (-1: its generator's).
    var traceThread: Int32 = -1
    var sched = TaskSchedulingStats()
    var opStart = Picoseconds.zero
    var ops: UInt64 = 0
    var locking = TaskLocking()
    var messaging = TaskMessaging()
    var scheduling = TaskScheduling()
}

/// The kernel-path frame of a task (`FrameKind`): its phase, the record it works on (a lock,
/// a ring), two scratch words whose meaning the frame's machine gives, and its start.
struct TaskFrame {
    var kind = FrameKind.none
    var phase: UInt8 = 0
    var target = 0
    var scratch: UInt64 = 0
    var scratch2: UInt64 = 0
    var frameStart = Picoseconds.zero
}

/// A task's part in locks: whether its acquisition waited, the kind it takes, mutex wait
/// lists and optimistic spinning, the mutexes it holds.
struct TaskLocking {
    var waited = false
    /// Next task on the same mutex wait list (-1: last); set while asleep on a mutex.
    var nextLockWaiter: Int32 = -1
    var sleepsOnLock = false
    /// On a mutex's wait list (from its first sleep there until it has the lock).
    var inLockList = false
    /// In a mutex's optimistic-spin queue (`OSQState`).
    var osqState: UInt8 = 0
    /// Mutexes it holds: when it stops running, their spinners stop watching it.
    var mutexesHeld: UInt16 = 0
    /// The lock frame under way takes a reader-writer lock shared (as a reader).
    var lockShared = false
    /// When it joined the wait list it is on (an rwsem's waiters ask for a hand-off after
    /// RWSEM_WAIT_TIMEOUT).
    var queuedAt = Picoseconds.zero
    /// An rwsem reader the lock was granted to by a waker (rwsem_mark_wake), and whether its
    /// acquisition slept.
    var granted = false
    var sleptOnLock = false
}

/// A task's messages and requests: the tag and size of what it sends, chunks left, the pipe
/// of its syscall, the replies it waits for (shared pages, TLB shootdowns).
struct TaskMessaging {
    /// Asleep until its reply line counts this many answers (a shared-page fault); 0: not.
    var repliesAwaited: UInt64 = 0
    /// The pipe of the syscall under way (pipe_read, pipe_write).
    var pipe: Int32 = -1
    /// Operations the kernel model queued ahead of its generator's next (a shared-page fault).
    var injected: [Operation] = []
    /// Shared pages: the line peers' handlers answer its requests on (each reply adds one),
    /// and the replies it has asked for so far.
    var replyLine: LineID = -1
    var repliesAsked: UInt64 = 0
    /// A waitset receive: the waitset + 1 (0: a one-channel receive), the channel it looks at
    /// (its index in the waitset), and the channel it last took a message from.
    var waitset: UInt16 = 0
    var waitsetCursor: Int32 = 0
    var lastChannel: Int32 = -1
    /// What its messages are (`KernelThreadRole.tag`; 0: a workload's data).
    var messageTag: UInt32 = 0
    /// Popcorn send: slots still to fill for the message under way, and its size.
    var chunksLeft: UInt32 = 0
    var messageBytes: UInt32 = 0
}

/// What the scheduler keeps of a task: its weight and slice, CPU time, when it became
/// runnable or woke, where it last ran, its real-time class, a pending migration or yield.
struct TaskScheduling {
    /// A kernel instance it is to migrate to at its next chance (-1: none), and whether it
    /// arrived from another instance (its next run counts a cross-kernel migration).
    var migrateTo: Int32 = -1
    /// A sched_yield under way: give up the CPU when the syscall returns.
    var yieldPending = false
    var crossedKernel = false
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
}

extension TaskState {
    /// Between operations, or inside user work (which resumes where it stopped).
    var isPreemptible: Bool {
        if !hasCurrent { return true }
        if case .compute = current { return true }
        return false
    }
}
