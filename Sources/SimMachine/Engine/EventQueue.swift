/// The pending-event set, ordered by `Event.key` (time, then insertion order): a sorted
/// run beside a 4-ary min-heap.
///
/// Most events are scheduled at or after every event already pending (an IPI's delivery
/// one latency ahead, a CPU's next step, the next tick): such an event is appended to the
/// *run*, a FIFO whose keys only grow, in O(1) and without touching the heap; any other
/// event goes to the heap. The earliest event is the smaller of the run's first and the
/// heap's root, so the order events come out in — and every result — is exactly that of
/// one heap; on the IPI ring every event takes the run (issue 18: the heap's sift-down was
/// ~27% of that run's instructions).
///
/// A 4-ary heap with one 128-bit key compare was the fastest heap measured on
/// this project's hosts (SWIFT-NOTES.md: fewer mispredicted branches than a
/// binary heap). Storage is contiguous arrays that only grow, so steady
/// state pushes and pops allocate nothing.
///
/// `popMin` leaves the heap's root slot empty until the next operation: when the handler
/// of the popped event schedules an event into the heap, that push fills the
/// root and sifts it down once: the "replace top" of hand-written heaps, instead
/// of a removal and an insertion.
///
/// - Complexity: `push` O(1) onto the run, else O(log₄ n); `popMin` O(1) from the run,
///   else O(4 log₄ n) amortized.
public struct EventQueue: Sendable {
    @usableFromInline var heap: [Event] = []
    /// The root was handed out by `popMin` and not yet replaced.
    @usableFromInline var holeAtRoot = false
    /// The sorted run: a ring buffer (capacity a power of two) of `runCount` events from
    /// `runHead`, keys ascending; `runLastKey` is its last event's.
    @usableFromInline var run: [Event] = []
    @usableFromInline var runHead = 0
    @usableFromInline var runCount = 0
    @usableFromInline var runLastKey: UInt128 = 0
    @usableFromInline var nextSequence: UInt64 = 0
    /// Events pushed since creation (the engine's event counter).
    @usableFromInline var pushedCount: UInt64 = 0
    public var pushed: UInt64 { pushedCount }

    public init(capacity: Int = 1024) { heap.reserveCapacity(capacity) }

    @inlinable public var count: Int { heap.count - (holeAtRoot ? 1 : 0) + runCount }
    @inlinable public var isEmpty: Bool { count == 0 }

    /// Pending events of one kind (for end-of-run accounting; walks the heap and the run).
    public func count(kind: UInt16) -> Int {
        var n = 0
        for (i, e) in heap.enumerated() where e.kind == kind && !(i == 0 && holeAtRoot) { n += 1 }
        for i in 0..<runCount where run[runSlot(i)].kind == kind { n += 1 }
        return n
    }

    /// Drops every pending event (a run found stuck ends).
    public mutating func removeAll() {
        heap.removeAll(keepingCapacity: true)
        holeAtRoot = false
        runHead = 0
        runCount = 0
    }

    /// Time of the earliest pending event, if any.
    @inlinable public mutating func peekTime() -> Picoseconds? {
        fillHole()
        if runComesFirst { return run[runHead].time }
        return heap.isEmpty ? nil : heap[0].time
    }

    /// Whether the earliest pending event is the run's first (the root's hole filled).
    @inlinable var runComesFirst: Bool { runCount > 0 && (heap.isEmpty || run[runHead].key < heap[0].key) }

    /// The run's `i`-th event's slot in its ring buffer.
    @inlinable func runSlot(_ i: Int) -> Int { (runHead &+ i) & (run.count &- 1) }

    /// Schedules an event; events at equal times fire in the order they were pushed.
    @inlinable
    public mutating func push(at time: Picoseconds, target: Int32, kind: UInt16, tag: UInt16 = 0, payload: UInt64 = 0) {
        let e = Event(time: time, sequence: nextSequence, target: target, kind: kind, tag: tag, payload: payload)
        nextSequence &+= 1
        pushedCount &+= 1
        if runCount == 0 || e.key >= runLastKey {
            appendToRun(e)
        } else if holeAtRoot {
            holeAtRoot = false
            siftDown(placing: e)
        } else {
            heap.append(e)
            siftUp(from: heap.count - 1)
        }
    }

    /// Removes and returns the earliest event.
    @inlinable
    public mutating func popMin() -> Event? { popMin(notAfter: .max) }

    /// The earliest event if it is due at or before `limit`, removed; else nil (the
    /// engine's loop: one call where `peekTime` and `popMin` would take two).
    @inlinable
    public mutating func popMin(notAfter limit: Picoseconds) -> Event? {
        fillHole()
        if runCount > 0 {
            // `runComesFirst`, with the run's first event read once.
            let first = run[runHead]
            if heap.isEmpty || first.key < heap[0].key {
                guard first.time <= limit else { return nil }
                runHead = runSlot(1)
                runCount &-= 1
                return first
            }
        }
        guard !heap.isEmpty, heap[0].time <= limit else { return nil }
        holeAtRoot = true
        return heap[0]
    }

    /// Appends `e`, whose key is at least the run's last, to the run.
    @inlinable @inline(__always)
    mutating func appendToRun(_ e: Event) {
        if runCount == run.count { growRun() }
        run[runSlot(runCount)] = e
        runCount &+= 1
        runLastKey = e.key
    }

    /// Doubles the run's ring buffer, its events moved to the front in order.
    @usableFromInline
    mutating func growRun() {
        let capacity = Swift.max(64, run.count * 2)
        var bigger = [Event](repeating: Event(time: .zero, sequence: 0, target: 0, kind: 0), count: capacity)
        for i in 0..<runCount { bigger[i] = run[runSlot(i)] }
        run = bigger
        runHead = 0
    }

    /// Closes the root slot left by `popMin`: the last event moves there and sifts down.
    @inlinable
    mutating func fillHole() {
        guard holeAtRoot else { return }
        holeAtRoot = false
        let last = heap.removeLast()
        if !heap.isEmpty { siftDown(placing: last) }
    }

    @inlinable
    mutating func siftUp(from start: Int) {
        heap.withUnsafeMutableBufferPointer { h in
            var i = start
            let e = h[i]
            while i > 0 {
                let parent = (i &- 1) >> 2
                if h[parent].key <= e.key { break }
                h[i] = h[parent]
                i = parent
            }
            h[i] = e
        }
    }

    /// Hole-based sift-down from the root with `e` as the element to place.
    @inlinable
    mutating func siftDown(placing e: Event) {
        heap.withUnsafeMutableBufferPointer { h in
            let n = h.count
            var i = 0
            while true {
                let first = (i << 2) &+ 1
                if first >= n { break }
                // Branch-light selection of the smallest of up to four children.
                var best = first
                var bestKey = h[first].key
                let end = Swift.min(first &+ 4, n)
                var c = first &+ 1
                while c < end {
                    let k = h[c].key
                    if k < bestKey { best = c; bestKey = k }
                    c &+= 1
                }
                if bestKey >= e.key { break }
                h[i] = h[best]
                i = best
            }
            h[i] = e
        }
    }

    /// Checks the heap property and the run's order; for tests. A root left open by `popMin` is skipped.
    public func checkInvariants() -> Bool {
        for i in 0..<runCount where i > 0 && run[runSlot(i - 1)].key >= run[runSlot(i)].key { return false }
        if runCount > 0 && run[runSlot(runCount - 1)].key != runLastKey { return false }
        for i in heap.indices.dropFirst() {
            let parent = (i - 1) >> 2
            if holeAtRoot && parent == 0 { continue }
            if heap[parent].key > heap[i].key { return false }
        }
        return true
    }
}
