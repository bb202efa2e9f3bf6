/// A small, fast, seedable generator (SplitMix64, Steele et al. 2014).
///
/// Every task gets its own stream, derived from the scenario seed and the
/// task's identity, so adding a task never changes another task's numbers.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// A stream for one component: mixes the seed with a path of identifiers.
    public init(seed: UInt64, stream: [UInt64]) {
        var s = SplitMix64(seed: seed)
        for id in stream { s = SplitMix64(seed: s.next() ^ (id &* 0x9E37_79B9_7F4A_7C15)) }
        self = s
    }

    @inlinable
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 bits.
    @inlinable public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in [0, n).
    @inlinable public mutating func below(_ n: UInt64) -> UInt64 { n == 0 ? 0 : next() % n }
}
