import Histogram
import SimMachine

/// One direction of a channel: a ring of slots in the receiver's memory.
struct RingState {
    var channel: Int
    var from: Int
    var to: Int
    var transport: ChannelTransport
    var slots: Int
    var head: LineID
    var tail: LineID
    var slotBase: LineID
    var sentAt: [Picoseconds]
    /// Per slot, the tag of the message published there (`KernelThreadRole.tag`).
    var tags: [UInt32]
    var receiverCPU: Int
    var vector: UInt8
    var handling: Picoseconds
    var budget: Int
    var slotBytes: Int
    /// URPC: the receiver's acknowledgement line (in the sender's memory) and stub time per end.
    var ackLine: LineID = -1
    var stub = Picoseconds.zero
    var pollInterval = Picoseconds.zero
    /// Popcorn: set while the receiver drains (senders skip the IPI).
    var activeLine: LineID = -1
    var timeout = Picoseconds.zero
    var stats = RingStats()
    var seq = URPCSequence()
}

/// What went through a ring: messages and bytes sent, slots taken, messages delivered (by
/// family), stalls on a full ring, IPIs, drops and receive timeouts, delivery latency.
struct RingStats {
    /// Messages delivered, by `MessageFamily`.
    var deliveredByFamily = [UInt64](repeating: 0, count: MessageFamily.allCases.count)
    var bytes: UInt64 = 0
    var sent: UInt64 = 0
    /// Slots the receiver has taken (a popcorn message may span several).
    var slotsTaken: UInt64 = 0
    var delivered: UInt64 = 0
    var fullStalls: UInt64 = 0
    var ipis: UInt64 = 0
    /// Messages given up on a full ring, and replies waited for in vain (`timeout`).
    var dropped: UInt64 = 0
    var receiveTimeouts: UInt64 = 0
    /// When the receiver last took a message (a peer watching heartbeats sees this stop).
    var lastDelivered = Picoseconds.zero
    var latency = latencyHistogram()
}

/// URPC sequence numbers: the sender's next, the last acknowledgement it read, the
/// receiver's next. Kept by each side privately (no memory traffic).
struct URPCSequence {
    /// URPC sequence numbers: the sender's next, the last acknowledgement it read, the
    /// receiver's next. Kept by each side privately (no memory traffic).
    var nextSeq: UInt64 = 0
    var knownAck: UInt64 = 0
    var recvSeq: UInt64 = 0
}
