import SimMachine

/// The operation vocabulary shared by generators, traces and syscall profiles.
///
/// Hardware operations (compute, memory, fence, pause, IPI) are timed by the
/// core and the coherence model; kernel operations (`syscall`, `lock`,
/// `unlock`, `sleep`, `exit`) trap to the kernel instance that runs the task,
/// as the corresponding instructions would. Plain data: no references.
@frozen
public enum Operation: Sendable, BitwiseCopyable, Equatable {
    /// Work that touches nothing shared, in core cycles.
    case compute(cycles: UInt64)
    /// Work of a fixed duration (kernel paths whose cost is given in time).
    case delay(Picoseconds)
    case load(LineID)
    /// An instruction fetch of a code line: the core's L1i, below it the unified levels.
    case fetch(LineID)
    /// A load independent of the ones before it (a stream): its miss overlaps with up to
    /// `memory.parallelism` others, so it holds the core for that fraction of its latency.
    case streamLoad(LineID)
    case store(LineID, UInt64)
    /// A plain store to the bits of `mask` (one field of a word), leaving the others.
    case storeField(LineID, mask: UInt64, value: UInt64)
    /// Locked exchange; the old value is the outcome.
    case exchange(LineID, UInt64)
    /// Locked fetch-and-add.
    case fetchAdd(LineID, UInt64)
    /// Locked compare-and-swap, once (the outcome is not retried).
    case compareAndSwap(LineID, expected: UInt64, new: UInt64)
    /// Poll a line until `value & mask == equals` (a spin-wait loop).
    case spinUntil(LineID, mask: UInt64, equals: UInt64)
    /// Poll a line while `value & mask == equals` (wait for a change).
    case spinWhile(LineID, mask: UInt64, equals: UInt64)
    /// Retry a compare-and-swap until it succeeds (a CAS spin loop).
    case spinCompareAndSwap(LineID, expected: UInt64, new: UInt64)
    case fence
    /// `count` executions of the x86 PAUSE instruction.
    case pause(UInt32)
    /// Send a fixed IPI with `vector` to logical CPU `cpu`.
    case sendIPI(cpu: Int32, vector: UInt8)
    /// An IPI to a set of CPUs the kernel model keeps (by index), addressed as `addressing`
    /// says: one ICR write per CPU, per logical cluster, or one for a shorthand.
    case sendIPIGroup(set: UInt16, addressing: IPIAddressing, vector: UInt8)
    /// Enter the kernel: syscall number in the kernel's profile.
    case syscall(UInt16)
    /// Acquire / release a kernel lock object (index in the kernel's object table).
    case lock(UInt32)
    case unlock(UInt32)
    /// Acquire / release a lock of the simulation's own table (a workload's lock, `lock-loop`).
    case acquire(UInt32)
    case release(UInt32)
    /// Shared (reader) acquire and release of a reader-writer lock.
    case acquireShared(UInt32)
    case releaseShared(UInt32)
    /// Sleep until another task wakes this one (a wait queue), leaving the CPU to others.
    case block
    /// pipe_read / pipe_write on a pipe of the simulation's table (the kernel's profile
    /// gives the path; reading an empty pipe sleeps until a writer wakes the task).
    case pipe(UInt32, write: Bool)
    /// Sleep until pipe `UInt32` has a message (inside pipe_read).
    case waitPipe(UInt32)
    /// Send one message on an inter-kernel channel (index in the simulation's channel table)
    /// of `bytes` bytes (0: one slot's worth; popcorn splits larger ones into slot chunks).
    case channelSend(UInt16, bytes: UInt32 = 0)
    /// Receive the next message sent to this task's kernel on a channel (polling its ring).
    case channelReceive(UInt16)
    /// Receive the next message on any channel of a waitset (index in the simulation's
    /// waitset table), polling each in turn (a Barrelfish waitset, an epoll-like server).
    case channelReceiveAny(UInt16)
    /// Answer on the channel the task last received from (a server's reply).
    case channelReplyLast
    /// Block for a duration (the CPU is free for other tasks meanwhile).
    case sleep(Picoseconds)
    /// A thread synchronization of a trace (wait for a wake, wake a thread, a barrier, start a
    /// thread), carried out by the kernel model at the engine's time. `kind` and the two
    /// arguments are the kernel model's (`TraceSync`).
    case threadSync(kind: UInt8, a: UInt32, b: UInt32)
    /// Read or write one page of a shared region whose pages may be replicated in several
    /// kernel instances (Popcorn's distributed shared memory); the kernel model resolves it
    /// into a local access or a page fault's messages and copy.
    case sharedPage(region: UInt16, page: UInt32, write: Bool)
    /// Marks the end of one workload-level operation (for throughput and latency).
    case opDone
    /// The task ends.
    case exit

    /// Whether the operation touches shared state (and so must run at the engine's current time).
    @inlinable public var interacts: Bool {
        switch self {
        case .compute, .delay, .fence, .pause, .opDone: false
        default: true
        }
    }
}
