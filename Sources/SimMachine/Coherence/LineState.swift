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
