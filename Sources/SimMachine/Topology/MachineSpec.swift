/// One level of cache, simulated as a set-associative LRU cache (`CacheHierarchy`).
public struct CacheLevel: Hashable, Sendable {
    public enum Sharing: String, Sendable, CaseIterable { case core, cluster, socket }
    public var name: String
    public var sizeBytes: UInt64
    public var ways: Int
    public var lineBytes: Int
    public var latencyCycles: UInt64
    public var shared: Sharing

    public init(name: String, sizeBytes: UInt64, ways: Int, lineBytes: Int = 64, latencyCycles: UInt64, shared: Sharing) {
        self.name = name; self.sizeBytes = sizeBytes; self.ways = ways
        self.lineBytes = lineBytes; self.latencyCycles = latencyCycles; self.shared = shared
    }
}

/// Coherence protocol parameters: cache-to-cache transfer latency by distance.
public struct CoherenceSpec: Hashable, Sendable {
    public enum ProtocolKind: String, Sendable, CaseIterable { case mesi, moesi }
    public var protocolKind: ProtocolKind
    /// Hand-off between SMT siblings (the line stays in the shared L1; ordering cost only).
    public var smt: Picoseconds
    /// Hand-off between cores of one LLC cluster (AMD CCX). Defaults to `socket` where unused.
    public var cluster: Picoseconds
    /// Hand-off between clusters of one die (AMD CCD), per socket. Defaults to `socket` where unused.
    public var die: [Picoseconds]
    /// Hand-off between cores of one socket, per socket (machines are not always symmetric).
    public var socket: [Picoseconds]
    /// Hand-off across sockets, when the line's home memory is on the serving cache's socket.
    public var remote: Picoseconds
    /// Added to a hand-off across sockets when the line's home is elsewhere (the requester's
    /// socket or a third one): the request visits the home directory first, then the owner.
    public var viaHome: Picoseconds
    /// Execution latency of a locked read-modify-write once the line is held, in core cycles.
    public var atomicCycles: UInt64
    /// One traversal of one socket link. A hand-off or memory read `h` links away costs its
    /// one-link figure plus `2 × (h − 1) × hop` (request out, data back); with broadcast
    /// snooping, probes and their responses travel the links too.
    public var hop: Picoseconds = .zero
    /// How a miss finds the other copies of a line.
    public enum Snoop: String, Sendable, CaseIterable {
        /// A directory (or snoop filter) names the holders: only they are asked.
        case directory
        /// The line's home node probes every socket and the requester waits for every
        /// response (AMD Opteron before HT Assist): a miss is never faster than the
        /// farthest socket's probe round trip.
        case broadcast
    }
    public var snoop: Snoop = .directory
    /// Broadcast snooping: fixed part of a probe round (request and response handling in the
    /// northbridges); the links add `hop` per traversal on the longest probe path.
    public var probe: Picoseconds = .zero
    /// Sizes of the packets coherence sends over socket links: requests (a miss to the
    /// home, a probe, a forward, an invalidation), responses (a probe response without data,
    /// an acknowledgement) and data responses (a line with its header). A link's bandwidth is
    /// what it carries of lines, so a data packet takes one line's time on it and the others
    /// their share of a data packet's size. Zero request bytes: control packets take no link time.
    public var packets = LinkPackets()

    public init(protocolKind: ProtocolKind = .mesi, smt: Picoseconds, cluster: Picoseconds? = nil, die: [Picoseconds]? = nil,
                socket: [Picoseconds], remote: Picoseconds, viaHome: Picoseconds = .zero, atomicCycles: UInt64,
                hop: Picoseconds = .zero, snoop: Snoop = .directory, probe: Picoseconds = .zero, packets: LinkPackets = LinkPackets()) {
        self.protocolKind = protocolKind; self.smt = smt
        self.cluster = cluster ?? socket.first ?? .zero
        self.die = die ?? socket
        self.socket = socket; self.remote = remote; self.viaHome = viaHome; self.atomicCycles = atomicCycles
        self.hop = hop; self.snoop = snoop; self.probe = probe; self.packets = packets
    }
}

/// Coherence packet sizes on the socket links (`CoherenceSpec.packets`), in bytes.
public struct LinkPackets: Hashable, Sendable {
    public var request: Int
    public var response: Int
    public var data: Int
    public init(request: Int = 0, response: Int = 0, data: Int = 0) { self.request = request; self.response = response; self.data = data }
}

/// Memory per NUMA node.
public struct MemorySpec: Hashable, Sendable {
    public var bytesPerNode: UInt64
    public var latencyLocal: Picoseconds
    public var latencyRemote: Picoseconds
    /// Bytes per second a NUMA node's memory controllers serve (`local`), and a link between
    /// two sockets carries in each direction (`remote`): the servers misses queue at.
    public var bandwidthLocal: UInt64
    public var bandwidthRemote: UInt64
    /// Bytes per second the link between a die and the rest of its socket carries toward
    /// the die (AMD's CCD-to-I/O-die Infinity Fabric): every line a die's CPUs read from
    /// memory crosses it. 0: no such link (monolithic dies).
    public var bandwidthDie: UInt64 = 0
    /// The same link's bandwidth out of the die (write-backs, lines the die's caches send to
    /// another die or socket); 0: as `bandwidthDie`. Rome's carries half its read width.
    public var bandwidthDieWrite: UInt64 = 0
    /// Misses a core keeps in flight on a stream of independent loads (line fill buffers and
    /// prefetching): such a load holds the core for 1/parallelism of its latency.
    public var parallelism: Int

    public init(bytesPerNode: UInt64, latencyLocal: Picoseconds, latencyRemote: Picoseconds, bandwidthLocal: UInt64, bandwidthRemote: UInt64,
                parallelism: Int = 10) {
        self.bytesPerNode = bytesPerNode; self.latencyLocal = latencyLocal; self.latencyRemote = latencyRemote
        self.bandwidthLocal = bandwidthLocal; self.bandwidthRemote = bandwidthRemote; self.parallelism = parallelism
    }
}

/// Local APIC and inter-processor interrupt costs.
public struct APICSpec: Hashable, Sendable {
    public enum Mode: String, Sendable, CaseIterable { case xapic, x2apic }
    public var mode: Mode
    /// Time the sending CPU spends writing the interrupt command register (a target on the
    /// sender's socket).
    public var send: Picoseconds
    /// xAPIC mode only: the sender polls the ICR's delivery-status bit until the target's APIC
    /// has accepted the message, which takes this much longer when the target is on another
    /// socket. x2APIC has no delivery-status bit: a send costs `send` at any distance.
    public var remoteAcceptWait: Picoseconds = .zero
    /// The end-of-interrupt write, paid when a handler is entered (Linux acknowledges an IPI
    /// before running its function). A separate parameter so that, e.g., a guest's trapping EOI
    /// can be modeled.
    public var eoi: Picoseconds = .zero
    /// Delivery latency from the send to the target's interrupt, by distance.
    public var deliverSocket: Picoseconds
    public var deliverRemote: Picoseconds
    /// Interrupt entry + exit on the target (before the handler's own work), EOI excluded.
    public var handler: Picoseconds

    public init(mode: Mode = .x2apic, send: Picoseconds, remoteAcceptWait: Picoseconds = .zero, deliverSocket: Picoseconds,
                deliverRemote: Picoseconds, handler: Picoseconds, eoi: Picoseconds = .zero) {
        self.mode = mode; self.send = send; self.remoteAcceptWait = remoteAcceptWait; self.deliverSocket = deliverSocket
        self.deliverRemote = deliverRemote; self.handler = handler; self.eoi = eoi
    }

    /// The sender's cost of one ICR write whose targets include one on another socket or not.
    @inlinable public func sendCost(remote: Bool) -> Picoseconds {
        remote && mode == .xapic ? send + remoteAcceptWait : send
    }

    @inlinable public func deliveryLatency(_ d: Distance) -> Picoseconds {
        d == .remote ? deliverRemote : deliverSocket
    }
}

/// A whole machine: everything the hardware model needs, every field overridable.
public struct MachineSpec: Hashable, Sendable {
    public var name: String
    public var summary: String
    public var topology: Topology
    public var frequency: Frequency
    public var caches: [CacheLevel]
    public var coherence: CoherenceSpec
    public var memory: MemorySpec
    public var apic: APICSpec
    /// An idle CPU woken by another CPU (a task waking a task there) starts this much later:
    /// leaving its idle state (C1 with mwait: a few hundred ns, calibration README).
    public var idleExit = Picoseconds(ns: 300)
    /// Entries of each core's store buffer (x86-TSO: plain stores retire into it and drain in
    /// order; `StoreBuffers`), as the microarchitecture has them.
    public var storeBuffer = 0
    /// Whether the model uses the store buffer (off: a store holds its core until its access
    /// completes, as before the buffer was modeled). Off by default until the calibrations
    /// that stores take part in are re-fitted with it (docs/model.md, Store buffers).
    public var storeBufferOn = false
    /// The entries the model uses: 0 when off.
    public var storeBufferEntries: Int { storeBufferOn ? storeBuffer : 0 }
    /// Where each parameter comes from: parameter path → source.
    public var sources: [(String, String)]

    public init(name: String, summary: String, topology: Topology, frequency: Frequency, caches: [CacheLevel],
                coherence: CoherenceSpec, memory: MemorySpec, apic: APICSpec, storeBuffer: Int = 0, sources: [(String, String)] = []) {
        self.name = name; self.summary = summary; self.topology = topology; self.frequency = frequency
        self.caches = caches; self.coherence = coherence; self.memory = memory; self.apic = apic; self.storeBuffer = storeBuffer
        self.sources = sources
    }

    /// Latency of a hit in the closest cache.
    public var hitLatency: Picoseconds { frequency.duration(cycles: caches.first?.latencyCycles ?? 4) }

    public static func == (a: MachineSpec, b: MachineSpec) -> Bool {
        a.name == b.name && a.topology == b.topology && a.frequency == b.frequency && a.caches == b.caches
            && a.coherence == b.coherence && a.memory == b.memory && a.apic == b.apic && a.idleExit == b.idleExit
            && a.storeBuffer == b.storeBuffer && a.storeBufferOn == b.storeBufferOn
    }
    public func hash(into h: inout Hasher) { h.combine(name); h.combine(topology) }
}
