/// An array that grows by appending and whose elements are modified in place without
/// copy-on-write checks: `FixedArray` for state that grows while the simulation runs (the
/// directory's lines, allocated as traced pages are first touched).
///
/// `Array` checks that its buffer is uniquely referenced on every write, a call into the
/// runtime per write (about 50 per memory operation of a trace replay). Copies share
/// storage: the type is for state owned by one simulation, never copied.
struct GrowingArray<Element>: @unchecked Sendable {
    final class Storage {
        var base: UnsafeMutablePointer<Element>
        var count = 0
        var capacity: Int

        init(capacity: Int) {
            self.capacity = Swift.max(16, capacity)
            base = .allocate(capacity: self.capacity)
        }

        func append(_ element: Element) {
            if count == capacity {
                // Doubling keeps appends amortized O(1); the move leaves the old block empty.
                let grown = UnsafeMutablePointer<Element>.allocate(capacity: capacity * 2)
                grown.moveInitialize(from: base, count: count)
                base.deallocate()
                base = grown
                capacity *= 2
            }
            (base + count).initialize(to: element)
            count += 1
        }

        deinit {
            base.deinitialize(count: count)
            base.deallocate()
        }
    }

    let storage: Storage

    init(capacity: Int = 0) { storage = Storage(capacity: capacity) }

    var count: Int { storage.count }
    var indices: Range<Int> { 0..<storage.count }

    func append(_ element: Element) { storage.append(element) }

    func append(repeating element: Element, count n: Int) {
        for _ in 0..<n { storage.append(element) }
    }

    subscript(i: Int) -> Element {
        @inline(__always) get {
            precondition(UInt(bitPattern: i) < UInt(bitPattern: storage.count), "index out of range")
            return storage.base[i]
        }
        @inline(__always) nonmutating _modify {
            precondition(UInt(bitPattern: i) < UInt(bitPattern: storage.count), "index out of range")
            yield &storage.base[i]
        }
        @inline(__always) nonmutating set {
            precondition(UInt(bitPattern: i) < UInt(bitPattern: storage.count), "index out of range")
            storage.base[i] = newValue
        }
    }
}
