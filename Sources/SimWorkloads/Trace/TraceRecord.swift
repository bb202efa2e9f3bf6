import SimCPU
import SimMachine

/// One record of a thread's stream in the native trace format (docs/trace-format.md).
///
/// Names (syscalls, channels, kernels) are indices into the trace's name table, threads
/// are indices into its thread table: records are small plain values, decoded without
/// allocating.
@frozen
public enum TraceRecord: Sendable, Equatable {
    /// `count` instructions of one class (their issue cost: memory timing is in the
    /// load/store records that follow).
    case instructions(InstructionClass, count: UInt64)
    /// The instructions that follow are fetched from the code line holding `address`.
    case fetch(address: UInt64)
    case load(address: UInt64, size: UInt32)
    case store(address: UInt64, size: UInt32)
    /// A read-modify-write that is not locked (`add [mem], reg`).
    case modify(address: UInt64, size: UInt32)
    /// A locked read-modify-write (`lock cmpxchg`, `xchg` with memory).
    case atomic(address: UInt64, size: UInt32)
    case fence
    case pause(UInt32)
    /// A system call by name, with up to three arguments.
    case syscall(name: UInt32, args: SyscallArguments)
    /// A user-space lock on the word at `address` (pthread mutex), released by `unlock`.
    case lock(address: UInt64)
    case unlock(address: UInt64)
    /// Wait until `parties` threads have arrived at barrier `id`.
    case barrier(id: UInt32, parties: UInt32)
    /// Sleep for a duration (the CPU is free meanwhile).
    case sleep(Picoseconds)
    /// Run on the CPU for a duration (scheduler traces know time, not instructions).
    case busy(Picoseconds)
    /// Sleep until the next expiry of this thread's timer `name`, every `period` from its
    /// first use (rt-app's timer). A missed expiry does not sleep; `absolute` keeps the
    /// schedule, else it restarts from the late wake-up.
    case timer(name: UInt32, period: Picoseconds, absolute: Bool)
    /// A futex wait that slept in the traced run: sleep until a `futexWake` on the same
    /// address gives this thread one of its wake-ups (kept if it comes first).
    case futexWait(address: UInt64)
    /// A futex wake that woke `count` threads in the traced run: that many wake-ups for the
    /// waiters of `address`, in the order they came.
    case futexWake(address: UInt64, count: UInt32)
    /// Sleep until another thread wakes this one (a wake sent earlier is not lost).
    case wait
    case wake(thread: UInt32)
    /// Start a thread declared `spawned` (it does not run before).
    case spawn(thread: UInt32)
    case exit
    case mmap(address: UInt64, length: UInt64)
    case munmap(address: UInt64, length: UInt64)
    /// Send / receive a message on an inter-kernel channel, by name.
    case send(channel: UInt32, bytes: UInt32)
    case receive(channel: UInt32)
    /// Move to another kernel instance, by name (Popcorn-style migration).
    case migrate(kernel: UInt32)
    /// One workload-level operation is complete (for throughput and latency).
    case marker

    /// The record's keyword in the text form.
    public var keyword: String {
        switch self {
        case .instructions: "insn"
        case .fetch: "fetch"
        case .load: "load"
        case .store: "store"
        case .modify: "modify"
        case .atomic: "atomic"
        case .fence: "fence"
        case .pause: "pause"
        case .syscall: "syscall"
        case .lock: "lock"
        case .unlock: "unlock"
        case .barrier: "barrier"
        case .sleep: "sleep"
        case .busy: "busy"
        case .timer: "timer"
        case .futexWait: "futex_wait"
        case .futexWake: "futex_wake"
        case .wait: "wait"
        case .wake: "wake"
        case .spawn: "spawn"
        case .exit: "exit"
        case .mmap: "mmap"
        case .munmap: "munmap"
        case .send: "send"
        case .receive: "receive"
        case .migrate: "migrate"
        case .marker: "op"
        }
    }
}

/// Up to three syscall arguments, inline (no allocation per record).
@frozen
public struct SyscallArguments: Sendable, Equatable, BitwiseCopyable {
    public var count: UInt8
    public var a: UInt64, b: UInt64, c: UInt64
    public init(_ values: [UInt64] = []) {
        count = UInt8(min(values.count, 3))
        a = values.count > 0 ? values[0] : 0
        b = values.count > 1 ? values[1] : 0
        c = values.count > 2 ? values[2] : 0
    }
    public var values: [UInt64] { Array([a, b, c].prefix(Int(count))) }
}

/// A thread of a trace.
public struct TraceThread: Sendable, Equatable {
    /// The id the traced system gave it (a Linux TID, a valgrind thread number ...).
    public var tid: UInt64
    public var name: String
    /// Starts only when another thread's `spawn` names it (else at the workload's start).
    public var spawned: Bool
    /// Records in its stream (0 in a hand-written text trace: not counted).
    public var records: UInt64
    public init(tid: UInt64, name: String, spawned: Bool = false, records: UInt64 = 0) {
        self.tid = tid; self.name = name; self.spawned = spawned; self.records = records
    }
}

/// A named range of the traced program's memory (an ELF data object), for naming lines.
public struct TraceSymbol: Sendable, Equatable {
    public var address: UInt64
    public var size: UInt64
    public var name: String
    public init(address: UInt64, size: UInt64, name: String) { self.address = address; self.size = size; self.name = name }
}

/// What a trace declares before its records: threads, names, symbols, where it came from.
public struct TraceHeader: Sendable, Equatable {
    public var threads: [TraceThread] = []
    /// Names referred to by index from records (syscalls, channels, kernels).
    public var names: [String] = []
    public var symbols: [TraceSymbol] = []
    /// How the trace was made ("lackey ./counter", "ftrace" ...), for `trace info`.
    public var source: String = ""
    public init() {}

    /// Index of `name` in the name table, adding it when new.
    public mutating func intern(_ name: String) -> UInt32 {
        if let i = names.firstIndex(of: name) { return UInt32(i) }
        names.append(name)
        return UInt32(names.count - 1)
    }

    /// Index of the thread with id `tid`.
    public func threadIndex(tid: UInt64) -> Int? { threads.firstIndex { $0.tid == tid } }
}

/// A trace that cannot be read, with where and what was expected.
public struct TraceError: Error, Sendable, CustomStringConvertible {
    public var file: String
    /// 1-based line of a text input (0: not a text position).
    public var line: Int
    /// Byte offset of a binary input (nil: not a binary position).
    public var offset: UInt64?
    public var message: String
    public init(file: String, line: Int = 0, offset: UInt64? = nil, _ message: String) {
        self.file = file; self.line = line; self.offset = offset; self.message = message
    }
    public var description: String {
        if line > 0 { return "\(file):\(line): \(message)" }
        if let offset { return "\(file): at byte offset \(offset): \(message)" }
        return "\(file): \(message)"
    }
}
