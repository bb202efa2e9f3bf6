/// Named machines. Every parameter carries its source in `sources`; docs/machines.md
/// lists them. Transfer latencies are derived from published core-to-core matrices
/// (see `shared/data/calibration`): a CAS ping-pong's one-way time is one hand-off
/// plus one locked read-modify-write, so `transfer = median one-way − atomic`.
public enum MachinePresets {
    public static let all: [MachineSpec] = [xeonGold6242, xeonE52680v4, epyc7742, teaching2s4c]

    public static func named(_ name: String) -> MachineSpec? { all.first { $0.name == name } }
    public static var names: [String] { all.map(\.name) }

    static let c2cSource = "nviennot/core-to-core-latency results (MIT), per-group medians; transfer = median one-way - locked RMW latency"

    /// 2 × Intel Xeon Gold 6242 (Cascade Lake), 16 cores, 2 threads, 2.8 GHz.
    public static let xeonGold6242 = MachineSpec(
        name: "xeon-gold-6242-2s",
        summary: "2 x Intel Xeon Gold 6242 (Cascade Lake-SP), 16 cores x 2 threads per socket, 2.8 GHz",
        topology: Topology(sockets: 2, coresPerSocket: 16, threadsPerCore: 2),
        frequency: Frequency(gigahertz: 2.8),
        caches: [
            CacheLevel(name: "l1d", sizeBytes: 32 << 10, ways: 8, latencyCycles: 4, shared: .core),
            CacheLevel(name: "l2", sizeBytes: 1 << 20, ways: 16, latencyCycles: 14, shared: .core),
            CacheLevel(name: "llc", sizeBytes: 22 << 20, ways: 11, latencyCycles: 56, shared: .socket),
        ],
        coherence: CoherenceSpec(protocolKind: .mesi, smt: Picoseconds(nanoseconds: 1.0),
                                 socket: [Picoseconds(nanoseconds: 41.6)], remote: Picoseconds(nanoseconds: 103.5),
                                 viaHome: Picoseconds(ns: 63), atomicCycles: 18),
        memory: MemorySpec(bytesPerNode: 192 << 30, latencyLocal: Picoseconds(ns: 81), latencyRemote: Picoseconds(ns: 130),
                           bandwidthLocal: 122_000_000_000, bandwidthRemote: 51_000_000_000),
        apic: APICSpec(mode: .x2apic, send: Picoseconds(nanoseconds: 571), deliverSocket: Picoseconds(us: 1),
                       deliverRemote: Picoseconds(nanoseconds: 1400), handler: Picoseconds(ns: 300)),
        sources: [
            ("topology, frequency", "Intel ARK, Xeon Gold 6242: 16 cores, 32 threads, 2.8 GHz base, 22 MB cache"),
            ("caches.l1d, caches.l2", "Intel 64 and IA-32 Optimization Reference Manual, Skylake Server / Cascade Lake cache table (32 KiB 8-way L1d 4-5 cycles; 1 MiB 16-way L2 14 cycles)"),
            ("caches.llc", "Intel ARK (22 MB, 11-way non-inclusive per socket); latency ~56 cycles: 7-cpu.com Skylake-X measurements"),
            ("coherence.atomic", "LOCK CMPXCHG latency ~18 cycles on Skylake-X (uops.info / Agner Fog instruction tables)"),
            ("coherence.smt, .socket", c2cSource + ": medians 7.4 / 48.0 ns minus 6.4 ns (18 cycles)"),
            ("coherence.via_home", "MLC cache-to-cache on 2-socket Skylake-SP (calibration README): 109 ns remote when the line is homed in the writer's socket, 171-173 ns when homed in the reader's: 172 - 109 = 63 ns"),
            ("coherence.remote", c2cSource + ": cross-socket median 141.4 ns minus 6.4 ns (18 cycles) minus 63/2 ns, since a ping-pong's line is homed on one of the two sockets and half its hand-offs detour via the home (MLC: 109 ns homed at the writer)"),
            ("memory.latency, memory.bandwidth", "Intel MLC on 2-socket Cascade Lake: idle latency 81/130 ns, read bandwidth 122/51 GB/s per socket"),
            ("memory.parallelism", "assumption: 10 misses in flight per core on a stream, under the 10-12 L1D fill buffers of Intel cores since Nehalem (Intel Optimization Reference Manual) and AMD Zen 2 (22 MAB per core, AMD Software Optimization Guide 17h); gives 64 B x 10 / local latency per core"),
            ("memory.per_node", "assumption: 192 GiB per socket (12 x 16 GiB DIMMs)"),
            ("apic.send", "~1,600 cycles per IPI at the sender (Westmere measurement, shared/data/calibration) at 2.8 GHz"),
            ("apic.deliver, apic.handler", "assumption: 1 us same socket, 1.4 us remote, 300 ns entry+exit; below the 2.2 us measured in a KVM guest (an upper bound)"),
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
            CacheLevel(name: "l2", sizeBytes: 256 << 10, ways: 8, latencyCycles: 12, shared: .core),
            CacheLevel(name: "llc", sizeBytes: 35 * (1 << 20), ways: 20, latencyCycles: 50, shared: .socket),
        ],
        coherence: CoherenceSpec(protocolKind: .mesi, smt: Picoseconds(nanoseconds: 0.8),
                                 socket: [Picoseconds(nanoseconds: 37.7)], remote: Picoseconds(nanoseconds: 120.0),
                                 atomicCycles: 18),
        memory: MemorySpec(bytesPerNode: 128 << 30, latencyLocal: Picoseconds(ns: 90), latencyRemote: Picoseconds(ns: 140),
                           bandwidthLocal: 65_000_000_000, bandwidthRemote: 30_000_000_000),
        apic: APICSpec(mode: .x2apic, send: Picoseconds(nanoseconds: 667), deliverSocket: Picoseconds(us: 1),
                       deliverRemote: Picoseconds(nanoseconds: 1400), handler: Picoseconds(ns: 300)),
        sources: [
            ("topology, frequency", "Intel ARK, Xeon E5-2680 v4: 14 cores, 28 threads, 2.4 GHz base, 35 MB cache"),
            ("caches", "Intel 64 and IA-32 Optimization Reference Manual, Broadwell: 32 KiB 8-way L1d 4 cycles, 256 KiB 8-way L2 12 cycles; LLC 2.5 MB/core 20-way ~50 cycles (7-cpu.com Broadwell)"),
            ("coherence.atomic", "LOCK CMPXCHG ~18 cycles on Broadwell (Agner Fog instruction tables)"),
            ("coherence.smt, .socket, .remote", c2cSource + ": medians 8.3 / 45.2 / 127.5 ns minus 7.5 ns (18 cycles)"),
            ("memory", "assumption: 90/140 ns, 65/30 GB/s (no MLC figure for this machine in the calibration set); parallelism 10 misses in flight per core (10 L1D fill buffers, Intel Optimization Reference Manual)"),
            ("apic.send", "~1,600 cycles per IPI at the sender (Westmere measurement) at 2.4 GHz"),
            ("apic.deliver, apic.handler", "assumption, as for xeon-gold-6242-2s"),
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
            CacheLevel(name: "l2", sizeBytes: 512 << 10, ways: 8, latencyCycles: 12, shared: .core),
            CacheLevel(name: "llc", sizeBytes: 16 << 20, ways: 16, latencyCycles: 39, shared: .cluster),
        ],
        coherence: CoherenceSpec(protocolKind: .moesi, smt: Picoseconds(nanoseconds: 4.4), cluster: Picoseconds(nanoseconds: 21.7),
                                 die: [Picoseconds(nanoseconds: 248.9), Picoseconds(nanoseconds: 114.3)],
                                 socket: [Picoseconds(nanoseconds: 264.7), Picoseconds(nanoseconds: 129.2)],
                                 remote: Picoseconds(nanoseconds: 263.0), atomicCycles: 8),
        memory: MemorySpec(bytesPerNode: 256 << 30, latencyLocal: Picoseconds(ns: 107), latencyRemote: Picoseconds(ns: 200),
                           bandwidthLocal: 100_000_000_000, bandwidthRemote: 77_000_000_000),
        apic: APICSpec(mode: .x2apic, send: Picoseconds(nanoseconds: 711), deliverSocket: Picoseconds(us: 1),
                       deliverRemote: Picoseconds(nanoseconds: 1500), handler: Picoseconds(ns: 300)),
        sources: [
            ("topology, frequency", "AMD EPYC 7742 product page: 64 cores, 128 threads, 2.25 GHz base, 256 MB L3 (16 MB per 4-core CCX); 8 CCDs of 2 CCXs"),
            ("caches", "AMD Software Optimization Guide for Family 17h (Zen 2): 32 KiB 8-way L1d 4 cycles, 512 KiB 8-way L2 12 cycles, 16 MiB 16-way L3 per CCX ~39 cycles"),
            ("coherence.protocol", "AMD Zen uses MOESI"),
            ("coherence.atomic", "assumption: 8 cycles for a locked RMW on an owned line (Zen 2)"),
            ("coherence.smt, .cluster, .die, .socket, .remote", c2cSource + ": medians SMT 8.0, same CCX 25.3, same CCD 252.5 (socket 0) / 117.9 (socket 1), other CCD 268.3 / 132.8, other socket 266.6 ns, minus 3.6 ns (8 cycles); the matrix is asymmetric between sockets"),
            ("memory", "proxy: the calibration README's 2-socket EPYC 9224 MLC figures (107/200 ns, 100/77 GB/s), no Rome MLC figure is in the calibration set; parallelism 10 misses in flight per core (assumption, under Zen 2's 22 miss address buffers)"),
            ("apic.send", "~1,600 cycles per IPI at the sender (Westmere measurement) at 2.25 GHz"),
            ("apic.deliver, apic.handler", "assumption, as for xeon-gold-6242-2s"),
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
            CacheLevel(name: "l2", sizeBytes: 256 << 10, ways: 8, latencyCycles: 12, shared: .core),
            CacheLevel(name: "llc", sizeBytes: 8 << 20, ways: 16, latencyCycles: 40, shared: .socket),
        ],
        coherence: CoherenceSpec(protocolKind: .mesi, smt: Picoseconds(ns: 2), socket: [Picoseconds(ns: 40)],
                                 remote: Picoseconds(ns: 120), atomicCycles: 20),
        memory: MemorySpec(bytesPerNode: 4 << 30, latencyLocal: Picoseconds(ns: 80), latencyRemote: Picoseconds(ns: 130),
                           bandwidthLocal: 20_000_000_000, bandwidthRemote: 10_000_000_000),
        apic: APICSpec(mode: .xapic, send: Picoseconds(ns: 500), deliverSocket: Picoseconds(us: 1),
                       deliverRemote: Picoseconds(nanoseconds: 1500), handler: Picoseconds(ns: 300)),
        sources: [("all", "round numbers of the same order as xeon-gold-6242-2s, chosen for hand calculation")]
    )
}
