import Dispatch
import Foundation

/// `body(0..<count)` on up to `jobs` host threads; results in index order.
func parallelMap<T: Sendable>(_ count: Int, jobs: Int, progress: (@Sendable (Int, Int) -> Void)? = nil,
                              _ body: @Sendable (Int) -> T) -> [T] {
    let slots = Slots<T>(count: count)
    DispatchQueue.concurrentPerform(iterations: max(1, min(jobs, count))) { _ in
        while let i = slots.take() {
            slots.set(i, body(i), progress: progress)
        }
    }
    return slots.values()
}

/// Work distribution and result storage shared by the worker threads.
private final class Slots<T>: @unchecked Sendable {
    private var items: [T?]
    private var next = 0
    private var done = 0
    private let lock = NSLock()

    init(count: Int) { items = Array(repeating: nil, count: count) }

    func take() -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard next < items.count else { return nil }
        next += 1
        return next - 1
    }

    /// Stores a result and reports progress under the lock, so that counts print in order.
    func set(_ i: Int, _ value: T, progress: (@Sendable (Int, Int) -> Void)?) {
        lock.lock(); defer { lock.unlock() }
        items[i] = value
        done += 1
        progress?(done, items.count)
    }

    func values() -> [T] { items.map { $0! } }
}
