import SimMachine
import Testing

/// The caches in front of the directory: capacity, conflicts, LRU, write-backs, and the
/// directory forgetting a core's copy when its caches drop it.
@Suite struct CacheTests {
    /// A small machine whose caches are easy to overflow: 4 KiB 2-way L1d, 16 KiB 4-way L2,
    /// 64 KiB 4-way LLC per socket.
    static let levels = [
        CacheLevel(name: "l1d", sizeBytes: 4 << 10, ways: 2, latencyCycles: 4, shared: .core),
        CacheLevel(name: "l2", sizeBytes: 16 << 10, ways: 4, latencyCycles: 12, shared: .core),
        CacheLevel(name: "llc", sizeBytes: 64 << 10, ways: 4, latencyCycles: 40, shared: .socket),
    ]
    let m = MachinePresets.teaching2s4c

    func directory(lines: Int) -> (CoherenceDirectory, [LineID]) {
        var d = CoherenceDirectory(topology: m.topology, spec: m.coherence, memory: m.memory, hitLatency: m.hitLatency,
                                   frequency: m.frequency, caches: Self.levels)
        let ids = (0..<lines).map { d.allocate(name: "l\($0)", home: 0) }
        return (d, ids)
    }

    /// Reads `ids` in order `rounds` times on CPU 0; returns the last round's sources.
    func walk(_ d: inout CoherenceDirectory, _ ids: [LineID], rounds: Int, cpu: Int = 0) -> [AccessSource: Int] {
        var t = Picoseconds(ns: 1000)
        var last: [AccessSource: Int] = [:]
        for r in 0..<rounds {
            for id in ids {
                let out = d.access(id, cpu: cpu, update: .none, now: t)
                t = out.completion + Picoseconds(ns: 1)
                if r == rounds - 1 { last[out.source, default: 0] += 1 }
            }
        }
        return last
    }

    func stats(_ d: CoherenceDirectory, _ name: String) -> CacheLevelStats { d.cacheStats.first { $0.name == name }! }

    @Test func capacityMissesFallToTheNextLevel() {
        // 64 lines = the whole 4 KiB L1d: after the first round, every read hits L1.
        var (d, ids) = directory(lines: 64)
        #expect(walk(&d, ids, rounds: 3) == [.hit: 64])
        #expect(stats(d, "l1d").hits == 128)
        // 128 lines overflow L1 (LRU on a ring misses every time) but fit L2: L1 misses, L2 hits.
        (d, ids) = directory(lines: 128)
        _ = walk(&d, ids, rounds: 3)
        #expect(stats(d, "l1d").hits == 0)
        #expect(stats(d, "l2").hits == 256)
        // 512 lines overflow L2 too, and fit the 1024-line LLC: served from it.
        (d, ids) = directory(lines: 512)
        #expect(walk(&d, ids, rounds: 3) == [.llc: 512])
        // 2048 lines overflow everything: memory every time.
        (d, ids) = directory(lines: 2048)
        #expect(walk(&d, ids, rounds: 2) == [.memoryLocal: 2048])
    }

    @Test func conflictMissesInOneSet() {
        // L1d has 32 sets of 2 ways: lines 0, 32 and 64 share set 0. Two of them fit; a ring of
        // three misses L1 on every access although the cache is nearly empty.
        var (d, ids) = directory(lines: 65)
        let two = [ids[0], ids[32]], three = [ids[0], ids[32], ids[64]]
        _ = walk(&d, two, rounds: 4)
        #expect(stats(d, "l1d").hits == 6)
        _ = walk(&d, three, rounds: 1)  // settles the set's LRU order
        let before = stats(d, "l1d").hits
        _ = walk(&d, three, rounds: 4)
        #expect(stats(d, "l1d").hits == before)
        #expect(stats(d, "l2").hits > 0)
    }

    /// Way partitioning (CAT): CPU 0 fills LLC ways 0-1 (512 lines), CPU 1 ways 2-3.
    @Test func partitionedFillsKeepToTheirWays() {
        var (d, ids) = directory(lines: 512 + 2048)
        d.setLastLevelFillWays(cpu: 0, ways: [0, 1])
        d.setLastLevelFillWays(cpu: 1, ways: [2, 3])
        let mine = Array(ids[..<512]), theirs = Array(ids[512...])
        // Half the LLC holds CPU 0's 512 lines (its L2 holds 256: every read reaches the LLC).
        #expect(walk(&d, mine, rounds: 3) == [.llc: 512])
        // CPU 1 streams 2048 lines through the same LLC: they cannot evict CPU 0's.
        _ = walk(&d, theirs, rounds: 1, cpu: 1)
        #expect(walk(&d, mine, rounds: 1) == [.llc: 512])
        // Without partitions the same stream pushes CPU 0's lines out of the LLC: the half its
        // L2 still held comes back from there (evicted into it again), the rest from memory.
        var (e, jds) = directory(lines: 512 + 2048)
        _ = walk(&e, Array(jds[..<512]), rounds: 3)
        _ = walk(&e, Array(jds[512...]), rounds: 1, cpu: 1)
        #expect(walk(&e, Array(jds[..<512]), rounds: 1) == [.memoryLocal: 256, .llc: 256])
        // A working set larger than its ways misses although the LLC as a whole would hold it.
        (d, ids) = directory(lines: 768)
        d.setLastLevelFillWays(cpu: 0, ways: [0, 1])
        #expect(walk(&d, ids, rounds: 3) == [.memoryLocal: 768])
        (e, jds) = directory(lines: 768)
        #expect(walk(&e, jds, rounds: 3) == [.llc: 768])
    }

    @Test func evictionForgetsTheCopyAndWritesBackDirtyData() {
        var (d, ids) = directory(lines: 4096)
        // CPU 0 writes line 0, then streams enough lines to push it out of L1, L2 and the LLC.
        _ = d.access(ids[0], cpu: 0, update: .set(7), now: Picoseconds(ns: 100))
        #expect(d.owner(of: ids[0]) == 0)
        _ = walk(&d, Array(ids[1...]), rounds: 1)
        #expect(d.owner(of: ids[0]) == nil && d.sharerList(of: ids[0]).isEmpty)
        #expect(d.writebacks >= 1)
        // The value survived, and a reader on the other socket gets it from memory, not from CPU 0.
        let out = d.access(ids[0], cpu: 4, update: .none, now: Picoseconds(us: 10_000))
        #expect(out.oldValue == 7)
        #expect(out.source == .memoryRemote)
    }

    @Test func smtSiblingsShareTheirCoreCaches() {
        // The Xeon preset has SMT: CPUs 0 and 32 are one core. Lines CPU 0 filled are in the
        // caches CPU 32 reads from: the hand-off costs the SMT latency, not a socket transfer.
        let x = MachinePresets.xeonGold6242
        var d = CoherenceDirectory(topology: x.topology, spec: x.coherence, memory: x.memory, hitLatency: x.hitLatency,
                                   frequency: x.frequency, caches: x.caches)
        let line = d.allocate(name: "x", home: 0)
        _ = d.access(line, cpu: 0, update: .set(1), now: Picoseconds(ns: 100))
        let out = d.access(line, cpu: 32, update: .none, now: Picoseconds(ns: 1000))
        #expect(out.source == .smt)
    }

    /// MLC cache-to-cache on 2-socket Skylake-SP: a modified line read from the other socket
    /// takes 109 ns when homed in the writer's socket, 171-173 ns when homed in the reader's.
    @Test func remoteHandOffDependsOnTheHome() {
        let x = MachinePresets.xeonGold6242
        var d = CoherenceDirectory(topology: x.topology, spec: x.coherence, memory: x.memory, hitLatency: x.hitLatency,
                                   frequency: x.frequency, caches: x.caches)
        func readAfterWrite(home: Int) -> Double {
            // Times go forward from one measurement to the next, as the engine's do.
            let base = Picoseconds(us: 20 * UInt64(home))
            let line = d.allocate(name: "x\(home)", home: home)
            _ = d.access(line, cpu: 0, update: .set(1), now: base + Picoseconds(ns: 100))
            let start = base + Picoseconds(us: 10)
            let out = d.access(line, cpu: 16, update: .none, now: start)
            #expect(out.source == .remote)
            return (out.completion - start).nanoseconds
        }
        let atWriter = readAfterWrite(home: 0), atReader = readAfterWrite(home: 1)
        #expect(abs(atWriter - 109) / 109 <= 0.10, "\(atWriter)")
        #expect(abs(atReader - 172) / 172 <= 0.10, "\(atReader)")
    }

    /// On the Opteron's Möbius ladder a line from memory two hops away crosses, and loads,
    /// both links of its route; a neighbour's crosses one.
    @Test func remoteReadsLoadEveryLinkOfTheirRoute() {
        let o = MachinePresets.opteron8x4
        var d = CoherenceDirectory(topology: o.topology, spec: o.coherence, memory: o.memory, hitLatency: o.hitLatency,
                                   frequency: o.frequency, caches: o.caches)
        let hops = o.topology.socketHops()
        let n = o.topology.sockets
        let far = (1..<n).first { hops[$0] == 2 }!, near = (1..<n).first { hops[$0] == 1 }!
        let cpuFar = (0..<o.topology.cpuCount).first { o.topology.socket(of: $0) == far }!
        let cpuNear = (0..<o.topology.cpuCount).first { o.topology.socket(of: $0) == near }!
        _ = d.access(d.allocate(name: "far", home: 0), cpu: cpuFar, update: .none, now: Picoseconds(ns: 100))
        _ = d.access(d.allocate(name: "near", home: 0), cpu: cpuNear, update: .none, now: Picoseconds(us: 1))
        let links = d.serverStats(elapsed: Picoseconds(us: 2)).filter { $0.name.hasPrefix("socket") }
        // far: 0 -> x -> far (two links, one line each); near: 0 -> near (one link).
        #expect(links.reduce(0) { $0 + $1.lines } == 3, "\(links.map { "\($0.name) \($0.lines)" })")
        #expect(links.contains { $0.name == "socket0->\(near)" })
        #expect(links.contains { $0.name.hasSuffix("->\(far)") && !$0.name.hasPrefix("socket0->") })
    }

    /// Lines one cache sends another across sockets travel the socket link like memory reads
    /// do: at the link's bandwidth, reads of different lines arriving together queue there.
    @Test func cacheToCacheTransfersLoadTheSocketLink() {
        var slow = m
        slow.memory.bandwidthRemote = 1_000_000_000  // 64 ns per line
        slow.coherence.packets = LinkPackets()  // the lines alone (control packets: LinkMessageTests)
        var d = CoherenceDirectory(topology: slow.topology, spec: slow.coherence, memory: slow.memory, hitLatency: slow.hitLatency,
                                   frequency: slow.frequency, caches: Self.levels)
        let ids = (0..<8).map { d.allocate(name: "l\($0)", home: 0) }
        for id in ids { _ = d.access(id, cpu: 0, update: .set(1), now: Picoseconds(ns: 100)) }
        let now = Picoseconds(us: 10)
        let completions = ids.map { d.access($0, cpu: 4, update: .none, now: now) }
        #expect(completions.allSatisfy { $0.source == .remote })
        let first = completions[0].completion
        for (k, c) in completions.enumerated() { #expect(c.completion == first + Picoseconds(ns: 64 * UInt64(k)), "line \(k)") }
        let link = d.serverStats(elapsed: Picoseconds(us: 11)).first { $0.name == "socket0->1" }
        #expect(link?.lines == 8)
    }

    /// On a machine with die links, write-backs leave through the die link's outbound side;
    /// when it is slow, the writes whose fills push dirty lines out slow down to its bandwidth.
    @Test func writeBacksQueueOnTheDieLinkOut() {
        func stream(dieWrite: UInt64) -> (elapsed: Picoseconds, writebacks: UInt64, outLines: UInt64) {
            var e = MachinePresets.epyc7742
            e.memory.bandwidthDieWrite = dieWrite
            var d = CoherenceDirectory(topology: e.topology, spec: e.coherence, memory: e.memory, hitLatency: e.hitLatency,
                                       frequency: e.frequency, caches: Self.levels)
            let ids = (0..<8192).map { d.allocate(name: "l\($0)", home: 0) }
            var t = Picoseconds(ns: 100)
            for id in ids { t = d.access(id, cpu: 0, update: .set(1), now: t).completion }
            let out = d.serverStats(elapsed: t).first { $0.name == "die0-out" }
            return (t, d.writebacks, out?.lines ?? 0)
        }
        let fast = stream(dieWrite: 100_000_000_000), slow = stream(dieWrite: 200_000_000)
        #expect(slow.writebacks > 4000 && slow.writebacks == fast.writebacks)
        #expect(slow.outLines == slow.writebacks && fast.outLines == fast.writebacks)
        // Each write-back holds the slow link 320 ns, longer than a write's own miss: the
        // writer waits its turn for every one.
        #expect(slow.elapsed.raw >= slow.writebacks * 320_000, "\(slow)")
        #expect(slow.elapsed.raw > 2 * fast.elapsed.raw, "\(slow) \(fast)")
    }
}
