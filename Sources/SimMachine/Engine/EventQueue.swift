/// The pending-event set: a 4-ary min-heap on `Event.key` (time, then insertion order).
///
/// A 4-ary heap with one 128-bit key compare was the fastest queue measured on
/// this project's hosts (SWIFT-NOTES.md: fewer mispredicted branches than a
/// binary heap). Storage is one contiguous array that only grows, so steady
/// state pushes and pops allocate nothing.
///
/// `popMin` leaves the root slot empty until the next operation: when the handler
/// of the popped event schedules an event (the common case), that push fills the
/// root and sifts it down once: the "replace top" of hand-written heaps, instead
/// of a removal and an insertion.
///
/// - Complexity: `push` O(log₄ n), `popMin` O(4 log₄ n) amortized.
public struct EventQueue: Sendable {
    @usableFromInline var heap: [Event] = []
    /// The root was handed out by `popMin` and not yet replaced.
    @usableFromInline var holeAtRoot = false
    @usableFromInline var nextSequence: UInt64 = 0
    /// Events pushed since creation (the engine's event counter).
    @usableFromInline var pushedCount: UInt64 = 0
    public var pushed: UInt64 { pushedCount }

    public init(capacity: Int = 1024) { heap.reserveCapacity(capacity) }

    @inlinable public var count: Int { heap.count - (holeAtRoot ? 1 : 0) }
    @inlinable public var isEmpty: Bool { count == 0 }

    /// Pending events of one kind (for end-of-run accounting; walks the heap).
    public func count(kind: UInt16) -> Int {
        var n = 0
        for (i, e) in heap.enumerated() where e.kind == kind && !(i == 0 && holeAtRoot) { n += 1 }
        return n
    }

    /// Drops every pending event (a run found stuck ends).
    public mutating func removeAll() {
        heap.removeAll(keepingCapacity: true)
        holeAtRoot = false
    }

    /// Time of the earliest pending event, if any.
    @inlinable public mutating func peekTime() -> Picoseconds? {
        fillHole()
        return heap.isEmpty ? nil : heap[0].time
    }

    /// Schedules an event; events at equal times fire in the order they were pushed.
    @inlinable
    public mutating func push(at time: Picoseconds, target: Int32, kind: UInt16, tag: UInt16 = 0, payload: UInt64 = 0) {
        let e = Event(time: time, sequence: nextSequence, target: target, kind: kind, tag: tag, payload: payload)
        nextSequence &+= 1
        pushedCount &+= 1
        if holeAtRoot {
            holeAtRoot = false
            siftDown(placing: e)
        } else {
            heap.append(e)
            siftUp(from: heap.count - 1)
        }
    }

    /// Removes and returns the earliest event.
    @inlinable
    public mutating func popMin() -> Event? {
        fillHole()
        if heap.isEmpty { return nil }
        holeAtRoot = true
        return heap[0]
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

    /// Checks the heap property; for tests. A root left open by `popMin` is skipped.
    public func checkInvariants() -> Bool {
        for i in heap.indices.dropFirst() {
            let parent = (i - 1) >> 2
            if holeAtRoot && parent == 0 { continue }
            if heap[parent].key > heap[i].key { return false }
        }
        return true
    }
}
