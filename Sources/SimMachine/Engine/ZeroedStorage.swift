#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A zero-filled buffer from `calloc`: the C library maps large ones from fresh pages, which
/// the kernel zeroes only when first touched. Shared by copies, like `FixedArray`.
final class ZeroedStorage<Element: FixedWidthInteger> {
    let base: UnsafeMutablePointer<Element>
    let count: Int

    init(count: Int) {
        self.count = Swift.max(1, count)
        guard let raw = calloc(self.count, MemoryLayout<Element>.stride) else {
            fatalError("out of memory for a cache array of \(count) slots")
        }
        base = raw.bindMemory(to: Element.self, capacity: self.count)
    }

    deinit { free(base) }
}
