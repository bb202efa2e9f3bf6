/// The pending-event set: a 4-ary min-heap on `Event.key` (time, then insertion order).
///
/// A 4-ary heap with one 128-bit key compare was the fastest queue measured on
/// this project's hosts (SWIFT-NOTES.md: fewer mispredicted branches than a
/// binary heap). Storage is one contiguous array that only grows, so steady
/// state pushes and pops allocate nothing.
///
/// - Complexity: `push` O(log₄ n), `popMin` O(4 log₄ n), `peekTime` O(1).
public struct EventQueue: Sendable {
    @usableFromInline var heap: [Event] = []
    @usableFromInline var nextSequence: UInt64 = 0
    /// Events pushed since creation (the engine's event counter).
    @usableFromInline var pushedCount: UInt64 = 0
    public var pushed: UInt64 { pushedCount }

    public init(capacity: Int = 1024) { heap.reserveCapacity(capacity) }

    @inlinable public var count: Int { heap.count }
    @inlinable public var isEmpty: Bool { heap.isEmpty }

    /// Time of the earliest pending event, if any.
    @inlinable public var peekTime: Picoseconds? { heap.isEmpty ? nil : heap[0].time }

    /// Schedules an event; events at equal times fire in the order they were pushed.
    @inlinable
    public mutating func push(at time: Picoseconds, target: Int32, kind: UInt16, tag: UInt16 = 0, payload: UInt64 = 0) {
        let e = Event(time: time, sequence: nextSequence, target: target, kind: kind, tag: tag, payload: payload)
        nextSequence &+= 1
        pushedCount &+= 1
        heap.append(e)
        siftUp(from: heap.count - 1)
    }

    /// Removes and returns the earliest event.
    @inlinable
    public mutating func popMin() -> Event? {
        let n = heap.count
        if n == 0 { return nil }
        let top = heap[0]
        let last = heap.removeLast()
        if n > 1 { siftDown(placing: last) }
        return top
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

    /// Checks the heap property; for tests.
    public func checkInvariants() -> Bool {
        for i in 1..<Swift.max(1, heap.count) where heap[(i - 1) >> 2].key > heap[i].key { return false }
        return true
    }
}
