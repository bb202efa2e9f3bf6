/// Index of a simulated cache line in the coherence directory.
public typealias LineID = Int32

/// MESI/MOESI state of a line as the directory sees it.
public enum LineState: UInt8, Sendable {
    case invalid, shared, exclusive, modified, owned
}

/// What an access does to a line's 64-bit value. Lines carry one word of data
/// so that synchronization (locks, flags, ring indices) has real semantics.
@frozen
public enum ValueUpdate: Sendable, BitwiseCopyable {
    /// A load.
    case none
    /// A store of a value.
    case set(UInt64)
    /// A locked fetch-and-add (wrapping).
    case add(UInt64)
    /// A locked compare-and-swap; fails (and still takes the line exclusively) when the value differs.
    case compareAndSwap(expected: UInt64, new: UInt64)
    /// A locked exchange.
    case exchange(UInt64)
    /// A plain store to the bits of `mask` only.
    case setBits(mask: UInt64, value: UInt64)

    @inlinable public var writes: Bool { if case .none = self { return false } else { return true } }
    @inlinable public var isLocked: Bool {
        switch self {
        case .none, .set, .setBits: false
        case .add, .compareAndSwap, .exchange: true
        }
    }
}

/// Where the data of an access came from.
public enum AccessSource: Int, Sendable, CaseIterable, BitwiseCopyable {
    case hit = 0, smt, cluster, die, socket, remote, memoryLocal, memoryRemote
    /// The requester's own last-level cache (no core held the line).
    case llc

    public var name: String {
        switch self {
        case .hit: "hit"
        case .smt: "smt"
        case .cluster: "cluster"
        case .die: "die"
        case .socket: "socket"
        case .remote: "remote"
        case .memoryLocal: "memory_local"
        case .memoryRemote: "memory_remote"
        case .llc: "llc"
        }
    }

    init(_ d: Distance) {
        switch d {
        case .same: self = .hit
        case .smt: self = .smt
        case .cluster: self = .cluster
        case .die: self = .die
        case .socket: self = .socket
        case .remote: self = .remote
        }
    }
}

/// The result of one access.
@frozen
public struct AccessOutcome: Sendable, BitwiseCopyable {
    /// When the access completes (data in hand, atomic done).
    public var completion: Picoseconds
    /// The line's value before the access.
    public var oldValue: UInt64
    /// Whether a compare-and-swap succeeded (true for every other kind).
    public var succeeded: Bool
    /// Whether the value changed while CPUs were spinning on the line: they must now be woken.
    public var hasWaiters: Bool
    public var source: AccessSource

    public init(completion: Picoseconds, oldValue: UInt64, succeeded: Bool, hasWaiters: Bool, source: AccessSource) {
        self.completion = completion; self.oldValue = oldValue; self.succeeded = succeeded
        self.hasWaiters = hasWaiters; self.source = source
    }
}

/// A line's directory entry: what an access reads and writes, together, so that one access
/// touches one or two host cache lines instead of one per field (the fields were separate
/// arrays; a replay of 4 MiB of lines missed the host's caches on each). The sharer and
/// toucher bitmaps are apart (a word per 64 CPUs); so are the statistics misses write.
struct LineRecord {
    /// When the transaction in progress on the line ends (picoseconds).
    var busyUntil: UInt64 = 0
    /// The line's one word of data.
    var value: UInt64
    var accesses: UInt64 = 0
    /// The CPU holding it modified, exclusive or owned; -1: none.
    var owner: Int32 = -1
    /// NUMA node of its memory.
    var home: Int32
    /// The CPUs spinning on it, a list through `CoherenceDirectory.nextWaiter`; -1: none.
    var waiterHead: Int32 = -1
    var waiterTail: Int32 = -1
    var state: LineState = .invalid
    /// Whether some last-level cache may hold it (an eviction leaves it set).
    var inLastLevel = false

    init(value: UInt64, home: Int32) {
        self.value = value
        self.home = home
    }
}

/// What the directory counts per line on misses, for the hot-lines report.
struct LineMissStats {
    var misses: UInt64 = 0
    /// Time misses waited behind earlier transactions on the line (picoseconds).
    var waitPs: UInt64 = 0
    var remoteTransfers: UInt64 = 0
}

/// A line's accesses, its misses, the time they queued behind earlier transactions
/// (picoseconds) and the misses a remote socket or node served.
public struct LineCounts: Sendable, Equatable {
    public var accesses: UInt64
    public var misses: UInt64
    public var queueWaitPs: UInt64
    public var remoteTransfers: UInt64
}
