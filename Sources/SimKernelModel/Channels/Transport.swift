/// How messages travel on a channel: three designs of shared-memory rings.
public enum ChannelTransport: String, Sendable, CaseIterable {
    /// Multikernel Linux: slot claimed by compare-and-swap on the head, payload published
    /// with a release store, one IPI per message, drained in interrupt context with a budget.
    case linux
    /// Barrelfish URPC: one cache line per message (payload words and a sequence header
    /// written last), a single-producer ring per direction, the receiver polls the next
    /// slot; slots are returned by an acknowledgement line every half ring.
    case urpc
    /// Popcorn Linux: multi-producer ring, slot taken by a ticket (atomic add on the head),
    /// an IPI only when the receiver is not already draining, drained in interrupt context.
    case popcorn
}

/// What a channel transport can do, so that the rest of the model (and the scenario reader)
/// asks about a capability instead of comparing transports by name. A new transport is a
/// case of `ChannelTransport` and its traits here, its send (and, for a polling receiver,
/// receive) state machine in a file of its own (`LinuxRing.swift` …), and its line in the
/// dispatch of `Simulation+Channels.swift`.
public struct TransportTraits: Sendable {
    /// Who takes messages out of the ring.
    public enum Receiver: Sendable {
        /// The receiving kernel, in the handler of the IPI that announces them (linux, popcorn).
        case interruptHandler
        /// A task of the receiving kernel that polls the next slot and may reply (urpc).
        case pollingTask
    }
    public var receiver: Receiver
    /// How the receiver learns of a message: "ipi" or "poll" (the scenario's `notify`).
    public var notification: String
    /// A message longer than a slot is split into one-slot chunks (each its own ticket).
    public var splitsMessages: Bool
    /// A sender may give up after the channel's `timeout` (a popcorn sender holds its
    /// ticket's slot and cannot).
    public var senderCanTimeOut: Bool
    /// The receiver flags that it is draining, and senders skip the IPI meanwhile (popcorn).
    public var drainingFlag: Bool
    /// Freed slots go back to the sender through an acknowledgement line, and each end
    /// pays a message stub (urpc).
    public var ackLineAndStub: Bool
    /// Slots per direction and drain budget when the scenario gives none.
    public var defaultSlots: Int
    public var defaultBudget: Int
    /// Kernel messages (RESOURCE, ACK, SYSTEM, heartbeats) need a receiver in interrupt context.
    public var carriesKernelMessages: Bool { receiver == .interruptHandler }
}

extension ChannelTransport {
    public var traits: TransportTraits {
        switch self {
        case .linux:
            TransportTraits(receiver: .interruptHandler, notification: "ipi", splitsMessages: false, senderCanTimeOut: true,
                            drainingFlag: false, ackLineAndStub: false, defaultSlots: 64, defaultBudget: 64)
        case .urpc:
            TransportTraits(receiver: .pollingTask, notification: "poll", splitsMessages: false, senderCanTimeOut: true,
                            drainingFlag: false, ackLineAndStub: true, defaultSlots: 32, defaultBudget: 32)
        case .popcorn:
            TransportTraits(receiver: .interruptHandler, notification: "ipi", splitsMessages: true, senderCanTimeOut: false,
                            drainingFlag: true, ackLineAndStub: false, defaultSlots: 64, defaultBudget: 128)
        }
    }

    /// The transports whose traits satisfy `test`, by name, for error messages ("linux or popcorn").
    public static func named(where test: (TransportTraits) -> Bool) -> String {
        let names = allCases.filter { test($0.traits) }.map(\.rawValue)
        return names.count <= 1 ? names.joined() : names.dropLast().joined(separator: ", ") + " or " + names.last!
    }
}
