import SimMachine

/// Kernel memory objects shared by tasks: pipes, and the shared-page regions of
/// `shared-pages` workloads.
struct MemoryTable {
    var pipes: [PipeState] = []
    var regions: [SharedRegion] = []
    /// The region of each workload that has one, by workload index.
    var regionOfWorkload: [Int: Int] = [:]
}

/// TLB shootdowns of syscall paths (munmap, mprotect): what each CPU's handler has to do,
/// and the flushes lazy CPUs owe.
struct TLBTable {
    /// Per CPU, the requests queued for its handler: where to acknowledge, and how long
    /// its invalidation takes.
    var requests: [[(ack: LineID, invalidate: Picoseconds)]]
    /// Per CPU, a full flush a skipped lazy CPU owes: it flushes when it next switches to a
    /// task of that workload (-1: none owed).
    var lazyFlushOwed: [(workload: Int32, process: Int32, cost: Picoseconds)]

    init(cpuCount: Int) {
        requests = Array(repeating: [], count: cpuCount)
        lazyFlushOwed = Array(repeating: (workload: -1, process: -1, cost: .zero), count: cpuCount)
    }
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
