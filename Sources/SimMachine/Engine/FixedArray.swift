/// A fixed-size array whose elements are modified in place without copy-on-write checks.
///
/// `Array` checks that its buffer is uniquely referenced on every write; in the event
/// loop that was ~9% of the time (perf, IPI ring). Component state that is sized once
/// (per CPU, per task) lives here instead. Indices are still bounds-checked.
///
/// Copies share storage: the type is for state owned by one simulation, never copied.
public struct FixedArray<Element>: @unchecked Sendable {
    @usableFromInline final class Storage {
        @usableFromInline let base: UnsafeMutablePointer<Element>
        @usableFromInline let count: Int
        init(_ elements: [Element]) {
            count = elements.count
            base = .allocate(capacity: Swift.max(1, count))
            _ = UnsafeMutableBufferPointer(start: base, count: count).initialize(from: elements)
        }
        deinit {
            base.deinitialize(count: count)
            base.deallocate()
        }
    }

    @usableFromInline let storage: Storage
    @usableFromInline let base: UnsafeMutablePointer<Element>
    public let count: Int

    public init(_ elements: [Element]) {
        storage = Storage(elements)
        base = storage.base
        count = elements.count
    }

    public init(repeating value: Element, count: Int) { self.init(Array(repeating: value, count: count)) }

    @inlinable
    public subscript(i: Int) -> Element {
        get {
            precondition(UInt(bitPattern: i) < UInt(bitPattern: count), "index out of range")
            return base[i]
        }
        nonmutating _modify {
            precondition(UInt(bitPattern: i) < UInt(bitPattern: count), "index out of range")
            yield &base[i]
        }
        nonmutating set {
            precondition(UInt(bitPattern: i) < UInt(bitPattern: count), "index out of range")
            base[i] = newValue
        }
    }

    public var indices: Range<Int> { 0..<count }
    public var elements: [Element] { Array(UnsafeBufferPointer(start: base, count: count)) }
    public func reduce<T>(_ initial: T, _ next: (T, Element) -> T) -> T { elements.reduce(initial, next) }
}
