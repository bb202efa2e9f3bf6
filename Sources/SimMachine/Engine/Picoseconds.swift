import Foundation

/// Simulated time: an integer count of picoseconds.
///
/// The engine never uses floating point for time; frequencies, cycles and
/// nanoseconds convert at the edges (see `Frequency`).
@frozen
public struct Picoseconds: Hashable, Comparable, Sendable, BitwiseCopyable, CustomStringConvertible {
    public var raw: UInt64

    @inlinable public init(_ raw: UInt64) { self.raw = raw }
    @inlinable public init(ns: UInt64) { self.raw = ns &* 1_000 }
    @inlinable public init(us: UInt64) { self.raw = us &* 1_000_000 }

    /// Rounds to the nearest picosecond; for configuration values only.
    public init(nanoseconds: Double) { self.raw = UInt64((nanoseconds * 1_000).rounded()) }

    // Computed, so that other modules fold them instead of calling a global's addressor.
    @inlinable public static var zero: Picoseconds { Picoseconds(0) }
    @inlinable public static var max: Picoseconds { Picoseconds(UInt64.max) }

    @inlinable public static func < (a: Self, b: Self) -> Bool { a.raw < b.raw }
    @inlinable public static func + (a: Self, b: Self) -> Self { Self(a.raw &+ b.raw) }
    @inlinable public static func - (a: Self, b: Self) -> Self { Self(a.raw &- b.raw) }
    @inlinable public static func += (a: inout Self, b: Self) { a.raw &+= b.raw }

    public var nanoseconds: Double { Double(raw) / 1_000 }
    public var seconds: Double { Double(raw) / 1e12 }

    public var description: String { Picoseconds.format(self) }

    /// Human form with a unit: "850 ps", "47.9 ns", "1.37 us", "2 ms".
    public static func format(_ t: Picoseconds) -> String {
        let v = Double(t.raw)
        func trim(_ x: Double) -> String {
            let s = String(format: "%.3f", x)
            var out = Substring(s)
            while out.hasSuffix("0") { out = out.dropLast() }
            if out.hasSuffix(".") { out = out.dropLast() }
            return String(out)
        }
        if t.raw < 1_000 { return "\(t.raw) ps" }
        if t.raw < 1_000_000 { return trim(v / 1e3) + " ns" }
        if t.raw < 1_000_000_000 { return trim(v / 1e6) + " us" }
        if t.raw < 1_000_000_000_000 { return trim(v / 1e9) + " ms" }
        return trim(v / 1e12) + " s"
    }
}

/// A clock frequency, converting cycles to picoseconds exactly (rounded to nearest).
public struct Frequency: Hashable, Sendable, CustomStringConvertible {
    public var hertz: UInt64

    public init(hertz: UInt64) { self.hertz = Swift.max(1, hertz) }
    public init(gigahertz: Double) { self.init(hertz: UInt64((gigahertz * 1e9).rounded())) }

    /// Picoseconds taken by `cycles` cycles.
    @inlinable public func duration(cycles: UInt64) -> Picoseconds {
        // In 64 bits when the product fits (runs of under ~18 M cycles): the same result, no
        // 128-bit division (a library call) on the trace replay's hot path.
        let (product, over) = cycles.multipliedReportingOverflow(by: 1_000_000_000_000)
        let (sum, carry) = product.addingReportingOverflow(hertz / 2)
        if !over && !carry { return Picoseconds(sum / hertz) }
        let num = UInt128(cycles) &* 1_000_000_000_000 &+ UInt128(hertz / 2)
        return Picoseconds(UInt64(truncatingIfNeeded: num / UInt128(hertz)))
    }

    /// Cycles (fractional) in a duration; for reporting.
    public func cycles(in t: Picoseconds) -> Double { Double(t.raw) * Double(hertz) / 1e12 }

    public var description: String {
        let g = Double(hertz) / 1e9
        return g == g.rounded() ? "\(Int(g))GHz" : String(format: "%gGHz", g)
    }
}
