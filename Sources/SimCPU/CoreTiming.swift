import SimMachine

/// Timing of the operations a core executes by itself (no other component involved).
public struct CoreTiming: Sendable {
    public let frequency: Frequency
    public let table: LatencyTable
    public let fence: Picoseconds
    public let pause: Picoseconds

    public init(frequency: Frequency, table: LatencyTable) {
        self.frequency = frequency
        self.table = table
        self.fence = frequency.duration(cycles: UInt64(table[.fence].rounded()))
        self.pause = frequency.duration(cycles: UInt64(table[.pause].rounded()))
    }

    /// Duration of a local (non-interacting) operation; zero for the others.
    @inlinable
    public func localDuration(_ op: Operation) -> Picoseconds {
        switch op {
        case .compute(let c): frequency.duration(cycles: c)
        case .delay(let t): t
        case .fence: fence
        case .pause(let n): Picoseconds(pause.raw &* UInt64(n))
        default: .zero
        }
    }
}
