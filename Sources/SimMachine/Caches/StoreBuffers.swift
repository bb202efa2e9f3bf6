/// Every core's store buffer (x86-TSO): a plain store retires into it and the core goes
/// on; the buffer writes its entries to the coherent caches one at a time, oldest first
/// (each a coherence access at the engine's time); the core's own loads of a buffered line
/// take the value from it. Locked operations, fences and IPI sends wait until it is empty,
/// a store that finds it full waits for a slot.
///
/// Only the bookkeeping lives here; the simulation issues the accesses and the events.
/// Entries of all CPUs sit in one flat array (`capacity` per CPU), so nothing allocates
/// while the model runs.
public struct StoreBuffers: @unchecked Sendable {
    public struct Entry: BitwiseCopyable {
        public var line: LineID
        public var update: ValueUpdate
        /// When the store retired into the buffer (on its core's clock).
        public var issuedAt: Picoseconds
    }

    /// One core's buffer: a ring of `capacity` entries from `head`.
    public struct Core: BitwiseCopyable {
        public var head: Int32 = 0
        public var count: Int32 = 0
        /// The oldest entry's access is under way and completes at `headDone`.
        public var headStarted = false
        public var headDone = Picoseconds.zero
        /// A drain event is pending for this core.
        public var drainPending = false
        /// What the core waits for (nothing, an empty buffer, a free slot) and its clock
        /// when it began to wait.
        public var waiting = Wait.none
        public var waitFrom = Picoseconds.zero
    }

    public enum Wait: UInt8, BitwiseCopyable { case none, empty, slot }

    /// What a load finds in its core's buffer.
    public enum Forward: Equatable {
        /// No entry for the line: the caches answer.
        case miss
        /// The youngest entry for the line stores this whole value.
        case value(UInt64)
        /// The youngest entry stores part of the word: the load waits until the buffer has
        /// written it (a failed store-to-load forward).
        case blocked
    }

    /// Entries per core; 0: no store buffer (a store holds its core until its access completes).
    public let capacity: Int
    /// A load's latency when its value comes from the buffer (store-to-load forwarding,
    /// taken as an L1d hit), and a store's cost to the core as it retires (one cycle).
    public let forwardLatency: Picoseconds
    public let storeCost: Picoseconds
    public var cores: FixedArray<Core>
    var entries: FixedArray<Entry>

    /// Stores that went through the buffers, loads answered from them, stores that found
    /// their buffer full, operations that waited for theirs to drain.
    public var buffered: UInt64 = 0
    public var forwarded: UInt64 = 0
    public var fullStalls: UInt64 = 0
    public var drainWaits: UInt64 = 0

    public init(cpus: Int, capacity: Int, forwardLatency: Picoseconds = .zero, storeCost: Picoseconds = .zero) {
        self.capacity = capacity
        self.forwardLatency = forwardLatency
        self.storeCost = storeCost
        cores = FixedArray(Array(repeating: Core(), count: capacity > 0 ? cpus : 0))
        let blank = Entry(line: 0, update: .none, issuedAt: .zero)
        entries = FixedArray(Array(repeating: blank, count: cpus * capacity))
    }

    @inlinable public var enabled: Bool { capacity > 0 }

    public func isEmpty(_ c: Int) -> Bool { cores[c].count == 0 }
    public func isFull(_ c: Int) -> Bool { Int(cores[c].count) == capacity }

    /// The oldest entry of core `c` (the buffer must not be empty).
    public func head(_ c: Int) -> Entry { entries[c * capacity + Int(cores[c].head)] }

    public mutating func append(_ c: Int, line: LineID, update: ValueUpdate, at t: Picoseconds) {
        let slot = (Int(cores[c].head) + Int(cores[c].count)) % capacity
        entries[c * capacity + slot] = Entry(line: line, update: update, issuedAt: t)
        cores[c].count += 1
    }

    /// Removes the oldest entry (its access is done).
    public mutating func retireHead(_ c: Int) {
        cores[c].head = Int32((Int(cores[c].head) + 1) % capacity)
        cores[c].count -= 1
        cores[c].headStarted = false
    }

    /// Retires the oldest entry if its access is complete by `t`; returns whether it did.
    @discardableResult
    public mutating func retireIfDone(_ c: Int, by t: Picoseconds) -> Bool {
        guard cores[c].headStarted && cores[c].headDone <= t else { return false }
        retireHead(c)
        return true
    }

    /// What a load of `line` by core `c` finds, youngest entry first.
    public func forward(_ c: Int, line: LineID) -> Forward {
        var i = Int(cores[c].count)
        while i > 0 {
            i -= 1
            let e = entries[c * capacity + (Int(cores[c].head) + i) % capacity]
            guard e.line == line else { continue }
            if case .set(let v) = e.update { return .value(v) }
            return .blocked
        }
        return .miss
    }

    /// Whether core `c`'s buffer holds a store to `line`.
    public func holds(_ c: Int, line: LineID) -> Bool { forward(c, line: line) != .miss }
}
