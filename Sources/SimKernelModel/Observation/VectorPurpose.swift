/// What an interrupt vector stands for in this model (`Vectors` gives them out), so that
/// narration and displays can say "a message on channel link" rather than "0x41".
public enum VectorPurpose: Sendable, Equatable {
    /// The notification of channel ring `ring` (`ObservationNames.rings`).
    case channel(ring: Int)
    /// Device `device`'s interrupt (`ObservationNames.devices`).
    case device(Int)
    /// The IPI-ring benchmark's forwarding, the IPI broadcast's acknowledgement, a flood.
    case ipiRing, broadcast, flood
    /// A TLB shootdown request (Linux's call-function vector).
    case tlbShootdown
    case nmi
    case other

    public init(vector v: UInt8) {
        switch v {
        case Vectors.nmi: self = .nmi
        case Vectors.ring: self = .ipiRing
        case Vectors.broadcast: self = .broadcast
        case Vectors.flood: self = .flood
        case Vectors.tlbShootdown: self = .tlbShootdown
        case Vectors.deviceBase..<(Vectors.deviceBase + UInt8(Vectors.maxDevices)): self = .device(Int(v - Vectors.deviceBase))
        case Vectors.channelBase..<(Vectors.channelBase + UInt8(Vectors.maxRings)): self = .channel(ring: Int(v - Vectors.channelBase))
        default: self = .other
        }
    }
}

extension Observation {
    /// What each step of `moveStep` is, in words (by the step's number).
    public static let moveStepDescriptions = [
        "the donor takes its CPUs offline", "waits for the CPUs to empty", "the receiver takes the RESOURCE message",
        "the donor takes the ACK", "the donor's kernel thread sends RESOURCE", "the receiver's kernel thread sends ACK",
        "the moved memory is online in the receiver",
    ]
}
