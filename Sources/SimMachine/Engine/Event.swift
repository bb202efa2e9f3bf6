/// One scheduled event: plain data, no references, no closures.
///
/// The layer that runs the simulation defines what `kind` means (an enum with
/// `UInt16` raw values) and dispatches with a `switch`; `target` is the integer
/// id of the component (a CPU, a kernel, a channel) the event is for.
@frozen
public struct Event: Sendable, BitwiseCopyable {
    /// Time in the high 64 bits, insertion sequence in the low 64: one compare
    /// orders by (time, sequence), which makes equal-time order deterministic.
    public var key: UInt128
    public var target: Int32
    public var kind: UInt16
    public var tag: UInt16
    public var payload: UInt64

    @inlinable public var time: Picoseconds { Picoseconds(UInt64(truncatingIfNeeded: key >> 64)) }
    @inlinable public var sequence: UInt64 { UInt64(truncatingIfNeeded: key) }

    @inlinable
    public init(time: Picoseconds, sequence: UInt64, target: Int32, kind: UInt16, tag: UInt16 = 0, payload: UInt64 = 0) {
        self.key = (UInt128(time.raw) << 64) | UInt128(sequence)
        self.target = target
        self.kind = kind
        self.tag = tag
        self.payload = payload
    }
}
