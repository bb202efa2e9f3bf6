/// Named machines. Every parameter carries its source in `sources`; docs/machines.md
/// lists them. Transfer latencies are derived from published core-to-core matrices
/// (see `shared/data/calibration`): a CAS ping-pong's one-way time is one hand-off
/// plus one locked read-modify-write, so `transfer = median one-way − atomic`.
public enum MachinePresets {
    public static let all: [MachineSpec] = [xeonGold6242, xeonE52680v4, epyc7742, xeonGold5418Y, intel2x4of2009, opteron8x4, teaching2s4c]

    public static func named(_ name: String) -> MachineSpec? { all.first { $0.name == name } }
    public static var names: [String] { all.map(\.name) }

    /// QPI's packet sizes (request/response one 80-bit flit, data nine), used for UPI too.
    static let qpiPackets = LinkPackets(request: 10, response: 10, data: 90)
    static let qpiPacketsSource = "Intel QPI: 80-bit flits; a request, snoop, forward or response without data is one flit (10 B), a data response a header flit and 8 data flits (90 B) (An Introduction to the Intel QuickPath Interconnect, Intel, 2009)"
    static let upiPacketsSource = "assumption: UPI's packet sizes taken as QPI's (" + qpiPacketsSource + "); UPI's own flit format is not public in this detail"
    /// HyperTransport: 8-byte requests and probes, 4-byte responses, a 4-byte read response with 64 data bytes.
    static let htPackets = LinkPackets(request: 8, response: 4, data: 68)
    static let htPacketsSource = "HyperTransport I/O Link Specification rev. 3.10, packet formats: requests (sized reads, probes) are 8-byte control packets, responses (probe responses, target done) 4-byte ones, and a read response is a 4-byte response followed by its 64-byte data packet"
    static let c2cSource = "nviennot/core-to-core-latency results (MIT), per-group medians; transfer = median one-way - locked RMW latency"

    /// 2 × Intel Xeon Gold 6242 (Cascade Lake), 16 cores, 2 threads, 2.8 GHz.
    public static let xeonGold6242 = MachineSpec(
        name: "xeon-gold-6242-2s",
        summary: "2 x Intel Xeon Gold 6242 (Cascade Lake-SP), 16 cores x 2 threads per socket, 2.8 GHz",
        topology: Topology(sockets: 2, coresPerSocket: 16, threadsPerCore: 2),
        frequency: Frequency(gigahertz: 2.8),
        caches: [
            CacheLevel(name: "l1d", sizeBytes: 32 << 10, ways: 8, latencyCycles: 4, shared: .core),
            CacheLevel(name: "l1i", sizeBytes: 32 << 10, ways: 8, latencyCycles: 4, shared: .core),
            CacheLevel(name: "l2", sizeBytes: 1 << 20, ways: 16, latencyCycles: 14, shared: .core),
            CacheLevel(name: "llc", sizeBytes: 22 << 20, ways: 11, latencyCycles: 56, shared: .socket),
        ],
        coherence: CoherenceSpec(protocolKind: .mesi, smt: Picoseconds(nanoseconds: 1.0),
                                 socket: [Picoseconds(nanoseconds: 41.6)], remote: Picoseconds(nanoseconds: 103.5),
                                 viaHome: Picoseconds(ns: 63), atomicCycles: 18, packets: qpiPackets),
        memory: MemorySpec(bytesPerNode: 192 << 30, latencyLocal: Picoseconds(ns: 81), latencyRemote: Picoseconds(ns: 130),
                           bandwidthLocal: 122_000_000_000, bandwidthRemote: 51_000_000_000),
        apic: APICSpec(mode: .x2apic, send: Picoseconds(nanoseconds: 571), remoteAcceptWait: Frequency(gigahertz: 2.8).duration(cycles: 400),
                       deliverSocket: Picoseconds(us: 1),
                       deliverRemote: Picoseconds(nanoseconds: 1400), handler: Picoseconds(ns: 250), eoi: Picoseconds(ns: 50)),
        storeBuffer: 56,
        sources: [
            ("store_buffer", "56 entries: Intel 64 and IA-32 Architectures Optimization Reference Manual, Skylake Server microarchitecture (the Cascade Lake core), store buffer"),
            ("topology, frequency", "Intel ARK, Xeon Gold 6242: 16 cores, 32 threads, 2.8 GHz base, 22 MB cache"),
            ("caches.l1d, caches.l1i, caches.l2", "Intel 64 and IA-32 Optimization Reference Manual, Skylake Server / Cascade Lake cache table (32 KiB 8-way L1d 4-5 cycles; 32 KiB 8-way L1i; 1 MiB 16-way L2 14 cycles)"),
            ("caches.llc", "Intel ARK (22 MB, 11-way non-inclusive per socket); latency ~56 cycles: 7-cpu.com Skylake-X measurements"),
            ("coherence.atomic", "LOCK CMPXCHG latency ~18 cycles on Skylake-X (uops.info / Agner Fog instruction tables)"),
            ("coherence.smt, .socket", c2cSource + ": medians 7.4 / 48.0 ns minus 6.4 ns (18 cycles)"),
            ("coherence.via_home", "MLC cache-to-cache on 2-socket Skylake-SP (calibration README): 109 ns remote when the line is homed in the writer's socket, 171-173 ns when homed in the reader's: 172 - 109 = 63 ns"),
            ("coherence.remote", c2cSource + ": cross-socket median 141.4 ns minus 6.4 ns (18 cycles) minus 63/2 ns, since a ping-pong's line is homed on one of the two sockets and half its hand-offs detour via the home (MLC: 109 ns homed at the writer)"),
            ("memory.latency, memory.bandwidth", "Intel MLC on 2-socket Cascade Lake: idle latency 81/130 ns, read bandwidth 122/51 GB/s per socket"),
            ("memory.parallelism", "assumption: 10 misses in flight per core on a stream, under the 10-12 L1D fill buffers of Intel cores since Nehalem (Intel Optimization Reference Manual) and AMD Zen 2 (22 MAB per core, AMD Software Optimization Guide 17h); gives 64 B x 10 / local latency per core"),
            ("memory.per_node", "assumption: 192 GiB per socket (12 x 16 GiB DIMMs)"),
            ("apic.send", "~1,600 cycles per IPI at the sender (Westmere measurement, shared/data/calibration) at 2.8 GHz"),
            ("coherence.packets", upiPacketsSource),
            ("apic.remote_accept_wait", "xAPIC mode only: 400 cycles, the Westmere measurement's cross-socket minus same-socket sender cost (2,000 - 1,600 cycles), taken as the wait for the delivery-status bit"),
            ("apic.deliver, apic.handler, apic.eoi", "assumption: 1 us same socket, 1.4 us remote, 300 ns entry+exit of which 50 ns is the EOI write; below the 2.2 us measured in a KVM guest (an upper bound)"),
        ]
    )

    /// 2 × Intel Xeon E5-2680 v4 (Broadwell-EP), 14 cores, 2 threads, 2.4 GHz.
    public static let xeonE52680v4 = MachineSpec(
        name: "xeon-e5-2680v4-2s",
        summary: "2 x Intel Xeon E5-2680 v4 (Broadwell-EP), 14 cores x 2 threads per socket, 2.4 GHz",
        topology: Topology(sockets: 2, coresPerSocket: 14, threadsPerCore: 2),
        frequency: Frequency(gigahertz: 2.4),
        caches: [
            CacheLevel(name: "l1d", sizeBytes: 32 << 10, ways: 8, latencyCycles: 4, shared: .core),
            CacheLevel(name: "l1i", sizeBytes: 32 << 10, ways: 8, latencyCycles: 4, shared: .core),
            CacheLevel(name: "l2", sizeBytes: 256 << 10, ways: 8, latencyCycles: 12, shared: .core),
            CacheLevel(name: "llc", sizeBytes: 35 * (1 << 20), ways: 20, latencyCycles: 50, shared: .socket),
        ],
        coherence: CoherenceSpec(protocolKind: .mesi, smt: Picoseconds(nanoseconds: 0.8),
                                 socket: [Picoseconds(nanoseconds: 37.7)], remote: Picoseconds(nanoseconds: 120.0),
                                 atomicCycles: 18, packets: qpiPackets),
        memory: MemorySpec(bytesPerNode: 128 << 30, latencyLocal: Picoseconds(ns: 90), latencyRemote: Picoseconds(ns: 140),
                           bandwidthLocal: 65_000_000_000, bandwidthRemote: 30_000_000_000),
        apic: APICSpec(mode: .x2apic, send: Picoseconds(nanoseconds: 667), remoteAcceptWait: Frequency(gigahertz: 2.4).duration(cycles: 400),
                       deliverSocket: Picoseconds(us: 1),
                       deliverRemote: Picoseconds(nanoseconds: 1400), handler: Picoseconds(ns: 250), eoi: Picoseconds(ns: 50)),
        storeBuffer: 42,
        sources: [
            ("store_buffer", "42 entries: Intel 64 and IA-32 Architectures Optimization Reference Manual, Haswell microarchitecture (Broadwell keeps its buffers), store buffer"),
            ("topology, frequency", "Intel ARK, Xeon E5-2680 v4: 14 cores, 28 threads, 2.4 GHz base, 35 MB cache"),
            ("caches", "Intel 64 and IA-32 Optimization Reference Manual, Broadwell: 32 KiB 8-way L1d 4 cycles, 32 KiB 8-way L1i, 256 KiB 8-way L2 12 cycles; LLC 2.5 MB/core 20-way ~50 cycles (7-cpu.com Broadwell)"),
            ("coherence.atomic", "LOCK CMPXCHG ~18 cycles on Broadwell (Agner Fog instruction tables)"),
            ("coherence.smt, .socket, .remote", c2cSource + ": medians 8.3 / 45.2 / 127.5 ns minus 7.5 ns (18 cycles)"),
            ("memory", "assumption: 90/140 ns, 65/30 GB/s (no MLC figure for this machine in the calibration set); parallelism 10 misses in flight per core (10 L1D fill buffers, Intel Optimization Reference Manual)"),
            ("apic.send", "~1,600 cycles per IPI at the sender (Westmere measurement) at 2.4 GHz"),
            ("coherence.packets", qpiPacketsSource),
            ("apic.remote_accept_wait", "xAPIC mode only: 400 cycles (Westmere cross- minus same-socket sender cost)"),
            ("apic.deliver, apic.handler, apic.eoi", "assumption, as for xeon-gold-6242-2s"),
        ]
    )

    /// 2 × AMD EPYC 7742 (Rome), 64 cores, 2 threads, 4-core CCX, 2.25 GHz.
    public static let epyc7742 = MachineSpec(
        name: "epyc-7742-2s",
        summary: "2 x AMD EPYC 7742 (Rome), 64 cores x 2 threads per socket, 4-core CCX, 2.25 GHz",
        topology: Topology(sockets: 2, coresPerSocket: 64, threadsPerCore: 2, coresPerCluster: 4, coresPerDie: 8),
        frequency: Frequency(gigahertz: 2.25),
        caches: [
            CacheLevel(name: "l1d", sizeBytes: 32 << 10, ways: 8, latencyCycles: 4, shared: .core),
            CacheLevel(name: "l1i", sizeBytes: 32 << 10, ways: 8, latencyCycles: 4, shared: .core),
            CacheLevel(name: "l2", sizeBytes: 512 << 10, ways: 8, latencyCycles: 12, shared: .core),
            CacheLevel(name: "llc", sizeBytes: 16 << 20, ways: 16, latencyCycles: 39, shared: .cluster),
        ],
        coherence: CoherenceSpec(protocolKind: .moesi, smt: Picoseconds(nanoseconds: 4.4), cluster: Picoseconds(nanoseconds: 21.7),
                                 die: [Picoseconds(nanoseconds: 248.9), Picoseconds(nanoseconds: 114.3)],
                                 socket: [Picoseconds(nanoseconds: 264.7), Picoseconds(nanoseconds: 129.2)],
                                 remote: Picoseconds(nanoseconds: 263.0), atomicCycles: 8, packets: htPackets),
        memory: {
            var m = MemorySpec(bytesPerNode: 256 << 30, latencyLocal: Picoseconds(ns: 107), latencyRemote: Picoseconds(ns: 200),
                               bandwidthLocal: 100_000_000_000, bandwidthRemote: 77_000_000_000)
            m.bandwidthDie = 46_944_000_000  // 32 bytes per FCLK cycle at 1,467 MHz
            m.bandwidthDieWrite = 23_472_000_000  // 16 bytes per FCLK cycle
            return m
        }(),
        apic: APICSpec(mode: .x2apic, send: Picoseconds(nanoseconds: 711), remoteAcceptWait: Frequency(gigahertz: 2.25).duration(cycles: 400),
                       deliverSocket: Picoseconds(us: 1),
                       deliverRemote: Picoseconds(nanoseconds: 1500), handler: Picoseconds(ns: 250), eoi: Picoseconds(ns: 50)),
        storeBuffer: 48,
        sources: [
            ("store_buffer", "48 entries: Software Optimization Guide for AMD Family 17h Models 30h (Zen 2), load-store unit: 48-entry store queue"),
            ("topology, frequency", "AMD EPYC 7742 product page: 64 cores, 128 threads, 2.25 GHz base, 256 MB L3 (16 MB per 4-core CCX); 8 CCDs of 2 CCXs"),
            ("caches", "AMD Software Optimization Guide for Family 17h (Zen 2): 32 KiB 8-way L1d 4 cycles, 32 KiB 8-way L1i, 512 KiB 8-way L2 12 cycles, 16 MiB 16-way L3 per CCX ~39 cycles"),
            ("coherence.protocol", "AMD Zen uses MOESI"),
            ("coherence.atomic", "assumption: 8 cycles for a locked RMW on an owned line (Zen 2)"),
            ("coherence.smt, .cluster, .die, .socket, .remote", c2cSource + ": medians SMT 8.0, same CCX 25.3, same CCD 252.5 (socket 0) / 117.9 (socket 1), other CCD 268.3 / 132.8, other socket 266.6 ns, minus 3.6 ns (8 cycles); the matrix is asymmetric between sockets"),
            ("memory", "proxy: the calibration README's 2-socket EPYC 9224 MLC figures (107/200 ns, 100/77 GB/s), no Rome MLC figure is in the calibration set; parallelism 10 misses in flight per core (assumption, under Zen 2's 22 miss address buffers)"),
            ("memory.bandwidth.die", "Chips and Cheese, \"Pushing AMD's Infinity Fabric to its Limits\": a CCD's link to the I/O die carries 32 bytes per fabric-clock cycle toward the CCD (reads; 16 B the other way); fabric clock 1,467 MHz (assumption: Rome's highest clock synchronous with memory, DDR4-2933): 46.9 GB/s per CCD"),
            ("memory.bandwidth.die_write", "the same source: 16 bytes per fabric-clock cycle out of the CCD (writes), 23.5 GB/s per CCD at 1,467 MHz"),
            ("apic.send", "~1,600 cycles per IPI at the sender (Westmere measurement) at 2.25 GHz"),
            ("coherence.packets", "assumption: Infinity Fabric packets taken as HyperTransport's, from which it descends (" + htPacketsSource + ")"),
            ("apic.remote_accept_wait", "xAPIC mode only: 400 cycles (Westmere cross- minus same-socket sender cost)"),
            ("apic.deliver, apic.handler, apic.eoi", "assumption, as for xeon-gold-6242-2s"),
        ]
    )

    /// 2 × Intel Xeon Gold 5418Y (Sapphire Rapids), 24 cores, 2 threads, 2.0 GHz: the machine
    /// of the multikernel Linux project's published lmbench and unlink runs.
    public static let xeonGold5418Y = MachineSpec(
        name: "xeon-gold-5418y-2s",
        summary: "2 x Intel Xeon Gold 5418Y (Sapphire Rapids), 24 cores x 2 threads per socket, 2.0 GHz",
        topology: Topology(sockets: 2, coresPerSocket: 24, threadsPerCore: 2),
        frequency: Frequency(gigahertz: 2.0),
        caches: [
            CacheLevel(name: "l1d", sizeBytes: 48 << 10, ways: 12, latencyCycles: 5, shared: .core),
            CacheLevel(name: "l1i", sizeBytes: 32 << 10, ways: 8, latencyCycles: 5, shared: .core),
            CacheLevel(name: "l2", sizeBytes: 2 << 20, ways: 16, latencyCycles: 16, shared: .core),
            CacheLevel(name: "llc", sizeBytes: 45 << 20, ways: 15, latencyCycles: 66, shared: .socket),
        ],
        coherence: CoherenceSpec(protocolKind: .mesi, smt: Picoseconds(ns: 1), socket: [Picoseconds(ns: 50)],
                                 remote: Picoseconds(ns: 110), viaHome: Picoseconds(ns: 60), atomicCycles: 20, packets: qpiPackets),
        memory: MemorySpec(bytesPerNode: 256 << 30, latencyLocal: Picoseconds(ns: 110), latencyRemote: Picoseconds(ns: 180),
                           bandwidthLocal: 250_000_000_000, bandwidthRemote: 100_000_000_000),
        apic: APICSpec(mode: .x2apic, send: Picoseconds(ns: 800), remoteAcceptWait: Frequency(gigahertz: 2.0).duration(cycles: 400),
                       deliverSocket: Picoseconds(us: 1),
                       deliverRemote: Picoseconds(nanoseconds: 1400), handler: Picoseconds(ns: 250), eoi: Picoseconds(ns: 50)),
        storeBuffer: 114,
        sources: [
            ("store_buffer", "114 entries: Intel Architecture Day 2021, Golden Cove (the Sapphire Rapids core): store buffer 114 entries"),
            ("topology, frequency", "Intel ARK, Xeon Gold 5418Y: 24 cores, 48 threads, 2.0 GHz base, 45 MB cache; the multikernel Linux project's lmbench machine (calibration README)"),
            ("caches", "Intel 64 and IA-32 Optimization Reference Manual, Golden Cove / Sapphire Rapids: 48 KiB 12-way L1d 5 cycles, 32 KiB 8-way L1i, 2 MiB 16-way L2 16 cycles; LLC 1.875 MiB per core, 15-way; its latency (~33 ns) is an assumption"),
            ("coherence", "assumption: no core-to-core matrix for this machine in the calibration set; same order as xeon-gold-6242-2s (50 ns same socket, 110 ns + 60 ns via home across)"),
            ("memory", "assumption: DDR5-4400, 8 channels per socket (281 GB/s peak; 250 GB/s used), 110 / 180 ns idle latency, 100 GB/s over UPI; no MLC figure in the calibration set"),
            ("apic.send", "~1,600 cycles per IPI at the sender (Westmere measurement, calibration README) at 2.0 GHz"),
            ("coherence.packets", upiPacketsSource),
            ("apic.remote_accept_wait", "xAPIC mode only: 400 cycles (Westmere cross- minus same-socket sender cost)"),
            ("apic.deliver, apic.handler, apic.eoi", "assumption, as for xeon-gold-6242-2s"),
            ("kernel paths", "what this preset is for: the linux profile's null syscall, context switch, pipe and unlink costs come from lmbench on this machine (docs/kernel-model.md)"),
        ]
    )

    /// The Barrelfish paper's "2×4-core Intel" machine (Baumann et al., SOSP 2009, §2 and §5):
    /// 2 × Xeon X5355 (Clovertown), each package two dies of two cores sharing a 4 MB L2, on
    /// an Intel 5000X board with one external memory controller (front-side buses, no NUMA).
    public static let intel2x4of2009 = MachineSpec(
        name: "intel-2x4-2009",
        summary: "2 x Intel Xeon X5355 (Clovertown), 2 dies x 2 cores per package sharing a 4 MB L2 per die, 2.66 GHz, FSB + FB-DIMM (Barrelfish's 2x4-core Intel)",
        topology: Topology(sockets: 2, coresPerSocket: 4, threadsPerCore: 1, coresPerCluster: 2),
        frequency: Frequency(gigahertz: 2.66),
        caches: [
            CacheLevel(name: "l1d", sizeBytes: 32 << 10, ways: 8, latencyCycles: 3, shared: .core),
            CacheLevel(name: "l1i", sizeBytes: 32 << 10, ways: 8, latencyCycles: 3, shared: .core),
            CacheLevel(name: "l2", sizeBytes: 4 << 20, ways: 16, latencyCycles: 14, shared: .cluster),
        ],
        coherence: CoherenceSpec(protocolKind: .mesi, smt: Picoseconds(ns: 1), cluster: Picoseconds(nanoseconds: 5.3),
                                 socket: [Picoseconds(ns: 100)], remote: Picoseconds(ns: 100), atomicCycles: 22),
        memory: MemorySpec(bytesPerNode: 8 << 30, latencyLocal: Picoseconds(ns: 100), latencyRemote: Picoseconds(ns: 100),
                           bandwidthLocal: 21_000_000_000, bandwidthRemote: 10_600_000_000, parallelism: 8),
        apic: APICSpec(mode: .xapic, send: Picoseconds(nanoseconds: 602), remoteAcceptWait: Frequency(gigahertz: 2.66).duration(cycles: 400),
                       deliverSocket: Picoseconds(us: 1),
                       deliverRemote: Picoseconds(us: 1), handler: Picoseconds(ns: 250), eoi: Picoseconds(ns: 50)),
        storeBuffer: 20,
        sources: [
            ("store_buffer", "20 entries: Intel 64 and IA-32 Architectures Optimization Reference Manual, Intel Core microarchitecture: 20 store buffers"),
            ("topology, frequency", "Baumann et al., The Multikernel (SOSP 2009) section 2: 2 quad-core 2.66 GHz Xeon X5355, each package 2 dies of 2 cores with a shared 4 MB L2, one external memory controller"),
            ("caches", "Intel 64 and IA-32 Optimization Reference Manual, Intel Core microarchitecture: 32 KiB 8-way L1d 3 cycles, 32 KiB 8-way L1i, shared L2 16-way 14 cycles"),
            ("coherence.cluster", "a line modified in the other core of a die is served through their shared L2: its 14-cycle latency (same manual)"),
            ("coherence.socket, .remote", "assumption: a core on another die gets a modified line by a front-side-bus snoop with implicit write-back through the chipset, taken as long as a memory read on this platform (100 ns, below)"),
            ("coherence.packets", "not modeled: the front-side bus carries snoops on its address and snoop phases, beside the data bus that memory.bandwidth stands for"),
            ("coherence.atomic", "assumption: ~22 cycles for LOCK CMPXCHG on Core 2 (Agner Fog's instruction tables list 20-25)"),
            ("memory.latency", "~100 ns for a Core 2 on a server chipset with FB-DIMM (AnandTech, Quad Core Intel Xeon 53xx Clovertown, Dec 2006, CPU-Z latency); one memory controller, so local = remote"),
            ("memory.bandwidth", "4 channels of FBD-667, 21 GB/s (hardware.info Xeon 5300 review); one 1333 MT/s x 8 B front-side bus per package, 10.6 GB/s"),
            ("memory.parallelism", "assumption: 8 misses in flight per core (8 L1D fill buffers on Core 2, Intel Optimization Reference Manual)"),
            ("apic", "xAPIC (pre-x2APIC generation); send ~1,600 cycles per IPI (Westmere measurement, calibration README) at 2.66 GHz, 400 cycles more for a target on the other socket (Westmere: 2,000 cycles cross socket); delivery, entry/exit and EOI as for xeon-gold-6242-2s (assumption)"),
        ]
    )

    /// The Barrelfish paper's "8×4-core AMD" machine: 8 × Opteron 8350 (Barcelona) on a Tyan
    /// Thunder S4985 with the M4985 daughtercard; HyperTransport links, broadcast probes.
    public static let opteron8x4 = MachineSpec(
        name: "opteron-8x4",
        summary: "8 x AMD Opteron 8350 (Barcelona), 4 cores per socket, 2 MB shared L3, 2.0 GHz, HyperTransport twisted ladder, broadcast snooping (Barrelfish's 8x4-core AMD)",
        topology: {
            var t = Topology(sockets: 8, coresPerSocket: 4, threadsPerCore: 1)
            // Möbius ("twisted") ladder: a ring of 8 plus a link to the opposite socket;
            // three coherent links per socket, every socket within two hops of every other.
            t.socketLinks = (0..<8).map { SocketLink($0, ($0 + 1) % 8) } + (0..<4).map { SocketLink($0, $0 + 4) }
            return t
        }(),
        frequency: Frequency(gigahertz: 2.0),
        caches: [
            CacheLevel(name: "l1d", sizeBytes: 64 << 10, ways: 2, latencyCycles: 3, shared: .core),
            CacheLevel(name: "l1i", sizeBytes: 64 << 10, ways: 2, latencyCycles: 3, shared: .core),
            CacheLevel(name: "l2", sizeBytes: 512 << 10, ways: 16, latencyCycles: 15, shared: .core),
            CacheLevel(name: "llc", sizeBytes: 2 << 20, ways: 32, latencyCycles: 46, shared: .socket),
        ],
        coherence: CoherenceSpec(protocolKind: .moesi, smt: Picoseconds(ns: 1), socket: [Picoseconds(ns: 23)],
                                 remote: Picoseconds(nanoseconds: 68), atomicCycles: 20,
                                 hop: Picoseconds(nanoseconds: 22.5), snoop: .broadcast, probe: Picoseconds(ns: 10), packets: htPackets),
        memory: MemorySpec(bytesPerNode: 4 << 30, latencyLocal: Picoseconds(ns: 85), latencyRemote: Picoseconds(ns: 130),
                           bandwidthLocal: 10_600_000_000, bandwidthRemote: 4_000_000_000, parallelism: 8),
        apic: APICSpec(mode: .xapic, send: Picoseconds(ns: 800), remoteAcceptWait: Frequency(gigahertz: 2.0).duration(cycles: 400),
                       deliverSocket: Picoseconds(us: 1),
                       deliverRemote: Picoseconds(nanoseconds: 1500), handler: Picoseconds(ns: 250), eoi: Picoseconds(ns: 50)),
        storeBuffer: 32,
        sources: [
            ("store_buffer", "32 entries: Software Optimization Guide for AMD64 Processors (25112), load-store unit: a 12-entry LS1 and a 32-entry LS2 queue; stores wait in LS2 until they commit. Assumption that Family 10h (Barcelona) keeps this structure"),
            ("topology, frequency", "Baumann et al., The Multikernel (SOSP 2009) section 2: 8 quad-core 2 GHz Opteron 8350, 64 KiB L1 and 512 KiB L2 per core, 2 MB L3 per processor"),
            ("topology.socket_links", "assumption: Moebius ladder (the paper's Figure 2 draws a ladder; three coherent HyperTransport links per Opteron 8000; the paper's URPC table goes up to two hops)"),
            ("caches", "AMD Family 10h Software Optimization Guide: 64 KiB 2-way L1d 3 cycles, 64 KiB 2-way L1i, 512 KiB 16-way L2, 2 MiB 32-way shared L3; L2 ~15 cycles (7-cpu.com, K10); L3 ~23 ns measured on Opteron 2350 (The Tech Report, AMD's quad-core Opteron 2300)"),
            ("coherence.snoop", "Barcelona has no probe filter (HT Assist came with Istanbul): 'memory latency is controlled by the longer of the time to get data from DRAM and the time to receive snoop responses from all the other chips' (J. McCalpin, AMD Opteron Memory Latency Chart, 2010)"),
            ("coherence.hop, .probe", "from McCalpin's Family 10h rev B3 figures: remote one-hop 130 ns = local DRAM 85 ns + 2 hops, so 22.5 ns a hop; 4-socket local 100 ns is probe-bound over 4 link traversals (2 out, 2 back), so 100 - 4 x 22.5 = 10 ns fixed"),
            ("coherence.socket, .remote", "assumption: a modified line from another core of the die through the L3/crossbar, ~the L3 latency (23 ns); one link away adds 2 hops (68 ns). Both are under the probe floor on this machine"),
            ("coherence.atomic", "assumption: ~20 cycles for a locked read-modify-write on K10 (Agner Fog's instruction tables)"),
            ("memory.latency", "McCalpin, Family 10h rev B3: 85 ns local (2-socket, DRAM-bound), 130 ns remote (4-socket)"),
            ("memory.bandwidth", "dual-channel DDR2-667 per socket, 10.6 GB/s; HyperTransport 1 GHz x 16 bit, 4 GB/s each way per link"),
            ("memory.parallelism", "assumption: 8 misses in flight per core"),
            ("apic", "assumption: no measurement of the Barcelona/K10 generation's IPI send cost was found; the Westmere figure is borrowed: xAPIC, send ~1,600 cycles per IPI (calibration README) at 2.0 GHz, 400 cycles more for a target on another socket (Westmere: 2,000 cycles cross socket); delivery, entry/exit and EOI assumptions as for the other presets"),
            ("coherence.packets", htPacketsSource),
        ]
    )

    /// A small round-number machine for docs, teaching and tests.
    public static let teaching2s4c = MachineSpec(
        name: "teaching-2s4c",
        summary: "Teaching machine: 2 sockets x 4 cores, no SMT, 2 GHz, round-number latencies",
        topology: Topology(sockets: 2, coresPerSocket: 4, threadsPerCore: 1),
        frequency: Frequency(gigahertz: 2.0),
        caches: [
            CacheLevel(name: "l1d", sizeBytes: 32 << 10, ways: 8, latencyCycles: 4, shared: .core),
            CacheLevel(name: "l1i", sizeBytes: 32 << 10, ways: 8, latencyCycles: 4, shared: .core),
            CacheLevel(name: "l2", sizeBytes: 256 << 10, ways: 8, latencyCycles: 12, shared: .core),
            CacheLevel(name: "llc", sizeBytes: 8 << 20, ways: 16, latencyCycles: 40, shared: .socket),
        ],
        coherence: CoherenceSpec(protocolKind: .mesi, smt: Picoseconds(ns: 2), socket: [Picoseconds(ns: 40)],
                                 remote: Picoseconds(ns: 120), atomicCycles: 20, packets: LinkPackets(request: 8, response: 8, data: 72)),
        memory: MemorySpec(bytesPerNode: 4 << 30, latencyLocal: Picoseconds(ns: 80), latencyRemote: Picoseconds(ns: 130),
                           bandwidthLocal: 20_000_000_000, bandwidthRemote: 10_000_000_000),
        apic: APICSpec(mode: .xapic, send: Picoseconds(ns: 500), remoteAcceptWait: Picoseconds(ns: 200),
                       deliverSocket: Picoseconds(us: 1),
                       deliverRemote: Picoseconds(nanoseconds: 1500), handler: Picoseconds(ns: 250), eoi: Picoseconds(ns: 50)),
        storeBuffer: 16,
        sources: [("all", "round numbers of the same order as xeon-gold-6242-2s, chosen for hand calculation; a 16-entry store buffer")]
    )
}
