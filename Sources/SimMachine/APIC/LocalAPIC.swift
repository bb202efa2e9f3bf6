/// The local APICs of all hardware threads: IPI timing and counters.
///
/// Sending costs the sender `send` (writing the interrupt command register; in
/// xAPIC mode more for a target on another socket, see `APICSpec.remoteAcceptWait`);
/// the interrupt reaches the target `deliver(distance)` later. The target takes
/// it when its interrupts are enabled, pays `handler` for entry and exit and `eoi`,
/// and runs the handler's own work. Pending vectors are kept per CPU as a 256-bit
/// set and taken highest vector first, as the APIC prioritizes them.
public struct LocalAPICs: Sendable {
    public let spec: APICSpec
    /// What taking an interrupt costs its CPU before the handler's work: entry, exit, EOI.
    public let handlerEntry: Picoseconds
    /// What an ICR write naming a CPU on another socket costs its sender (in xAPIC mode more
    /// than `spec.send`).
    let sendRemote: Picoseconds
    /// Socket of each CPU, precomputed: delivery latency depends only on same/other socket.
    let socketOf: [Int32]
    public let sent: FixedArray<UInt64>
    public let received: FixedArray<UInt64>
    /// Pending (delivered, not yet taken) vectors per CPU: 4 words each.
    let pending: FixedArray<UInt64>
    /// Number of pending vectors per CPU, so that the per-boundary check reads one word.
    let pendingCount: FixedArray<UInt16>
    /// When the pending vector was sent (per CPU, per vector), for the delivery latency.
    let sentAt: FixedArray<UInt64>
    /// Logical cluster of each CPU in the APIC's mode (x2APIC: 16 IDs, xAPIC: 4).
    public let clusterOf: [Int32]
    /// Arrivals that found their vector already pending (merged, as the IRR bit holds one),
    /// and vectors a handler raised again for itself (a drain budget spent).
    public private(set) var coalesced: UInt64 = 0
    public private(set) var reraised: UInt64 = 0

    public init(spec: APICSpec, topology: Topology) {
        self.spec = spec
        self.handlerEntry = spec.handler + spec.eoi
        self.sendRemote = spec.sendCost(remote: true)
        self.socketOf = (0..<topology.cpuCount).map { Int32(topology.socket(of: $0)) }
        // APIC IDs as firmware assigns them: socket, then core, then SMT thread, each field a
        // power of two wide; logical clusters are runs of consecutive IDs.
        let threadBits = topology.threadsPerCore > 1 ? (topology.threadsPerCore - 1).bitWidthNeeded : 0
        let coreBits = (topology.coresPerSocket - 1).bitWidthNeeded
        let perCluster = spec.mode == .x2apic ? 16 : 4
        self.clusterOf = (0..<topology.cpuCount).map { c in
            let id = topology.socket(of: c) << (coreBits + threadBits) | topology.coreInSocket(of: c) << threadBits | topology.thread(of: c)
            return Int32(id / perCluster)
        }
        sentAt = FixedArray(repeating: 0, count: topology.cpuCount * 256)
        sent = FixedArray(repeating: 0, count: topology.cpuCount)
        received = FixedArray(repeating: 0, count: topology.cpuCount)
        pending = FixedArray(repeating: 0, count: topology.cpuCount * 4)
        pendingCount = FixedArray(repeating: 0, count: topology.cpuCount)
    }

    /// Records a send from `from` to `to`: returns the sender's cost of the ICR write and the
    /// delivery latency after it. (Mutating, so the hot path passes the APICs by reference.)
    public mutating func send(from: Int, to: Int) -> (cost: Picoseconds, latency: Picoseconds) {
        countSend(from: from)
        let remote = socketOf[from] != socketOf[to]
        return (remote ? sendRemote : spec.send, remote ? spec.deliverRemote : spec.deliverSocket)
    }

    /// Marks `vector` pending on `cpu` (an arriving interrupt).

    public mutating func raise(cpu: Int, vector: UInt8, sentAt time: UInt64 = 0) {
        received[cpu] &+= 1
        let w = cpu << 2 | Int(vector >> 6)
        if pending[w] & (UInt64(1) << UInt64(vector & 63)) == 0 { sentAt[cpu << 8 | Int(vector)] = time } else { coalesced &+= 1 }
        setPending(cpu: cpu, vector: vector)
    }

    /// A device's interrupt (an MSI, or a line through the I/O APIC) reaches `cpu` at `time`.
    /// Not an IPI: it is kept out of the IPI counts. Returns false when `vector` was already
    /// pending there (the two merge into one handler run, as IPIs do).
    public mutating func raiseFromDevice(cpu: Int, vector: UInt8, at time: UInt64) -> Bool {
        guard !isPending(cpu: cpu, vector: vector) else { return false }
        sentAt[cpu << 8 | Int(vector)] = time
        setPending(cpu: cpu, vector: vector)
        return true
    }

    public func isPending(cpu: Int, vector: UInt8) -> Bool {
        pending[cpu << 2 | Int(vector >> 6)] & (UInt64(1) << UInt64(vector & 63)) != 0
    }

    /// When the interrupt of `vector` now being taken on `cpu` was sent (the first of coalesced ones).
    public func sendTime(cpu: Int, vector: UInt8) -> UInt64 { sentAt[cpu << 8 | Int(vector)] }

    /// Whether `a` and `b` are on different sockets.
    public func crossSocket(_ a: Int, _ b: Int) -> Bool { socketOf[a] != socketOf[b] }

    /// Delivery latency from `from` to `to` (same or other socket, from the precomputed table).
    /// Group sends count their ICR writes themselves (`countSend`).
    public func deliver(from: Int, to: Int) -> Picoseconds {
        socketOf[from] == socketOf[to] ? spec.deliverSocket : spec.deliverRemote
    }

    public mutating func countSend(from: Int) { sent[from] &+= 1 }

    /// Marks `vector` pending without an arriving IPI (a handler asking to run again).
    public mutating func markPending(cpu: Int, vector: UInt8) {
        if pending[cpu << 2 | Int(vector >> 6)] & (UInt64(1) << UInt64(vector & 63)) == 0 { reraised &+= 1 }
        setPending(cpu: cpu, vector: vector)
    }

    mutating func setPending(cpu: Int, vector: UInt8) {
        let w = cpu << 2 | Int(vector >> 6)
        let bit = UInt64(1) << UInt64(vector & 63)
        if pending[w] & bit == 0 {
            pending[w] |= bit
            pendingCount[cpu] &+= 1
        }
    }


    public func hasPending(cpu: Int) -> Bool { pendingCount[cpu] != 0 }
    /// Whether vector 2 (NMI) is pending: it is taken even with interrupts disabled, first.
    public func nmiPending(cpu: Int) -> Bool { pending[cpu << 2] & 0b100 != 0 }
    public mutating func takeNMI(cpu: Int) {
        pending[cpu << 2] &= ~UInt64(0b100)
        pendingCount[cpu] &-= 1
    }
    /// Vectors pending, not yet taken, over all CPUs.
    public var pendingTotal: Int { socketOf.indices.reduce(0) { $0 + Int(pendingCount[$1]) } }

    /// Takes the highest-priority pending vector of `cpu`.

    public mutating func takeHighest(cpu: Int) -> UInt8? {
        let b = cpu << 2
        for w in stride(from: 3, through: 0, by: -1) {
            let bits = pending[b + w]
            if bits != 0 {
                let bitIndex = 63 - bits.leadingZeroBitCount
                pending[b + w] = bits & ~(UInt64(1) << UInt64(bitIndex))
                pendingCount[cpu] &-= 1
                return UInt8(w * 64 + bitIndex)
            }
        }
        return nil
    }
}

extension Int {
    /// Bits needed to write every value from 0 to self (0 for 0).
    var bitWidthNeeded: Int { self <= 0 ? 0 : Int.bitWidth - self.leadingZeroBitCount }
}
