/// The data caches of a machine: levels private to a core (SMT threads share them), then
/// one shared last level per LLC domain (a socket, or an AMD core complex).
///
/// Policy (docs/model.md): private levels are inclusive (a line leaving the last private
/// level leaves the others); the last level is filled by misses to memory and by lines the
/// private levels evict, and is not inclusive (its evictions leave the cores' copies). LRU
/// everywhere. A dirty line leaving the chip is a write-back.
struct CacheHierarchy: Sendable {
    /// Per private level (L1d first), one instance per physical core.
    let privateCaches: [CacheArray]
    let privateLatency: [Picoseconds]
    /// The private levels' sets, for prefetching.
    let privateLocators: [CacheSetLocator]
    /// One instance per LLC domain; nil when the machine has no shared level.
    let lastLevel: CacheArray?
    let lastLevelLatency: Picoseconds
    /// LLC domain of each logical CPU, and one CPU of each domain (to measure distances).
    let domainOf: [Int32]
    let domainCPU: [Int]
    let domains: Int
    /// Logical CPUs of each physical core.
    let coreThreads: [[Int]]
    let names: [String]
    /// Per level (private levels, then the last level): hits, misses, evictions.
    let hits: FixedArray<UInt64>
    let misses: FixedArray<UInt64>
    let evictions: FixedArray<UInt64>
    var writebacks: UInt64 = 0

    let isEmpty: Bool
    var privateLevels: Int { privateCaches.count }
    /// Per-core instruction cache (nil: instruction fetches are not simulated), and its
    /// hits, misses and evictions: [0], [1], [2].
    let instructionCache: CacheArray?
    let instructionName: String
    let instructionStats = FixedArray<UInt64>(repeating: 0, count: 3)
    /// Per logical CPU, the last-level ways its fills may take (all by default; a kernel
    /// instance's cache partition otherwise). A line a core evicts goes in by its first thread's.
    let lastLevelFillWays: FixedArray<UInt64>

    init(levels: [CacheLevel], topology t: Topology, frequency: Frequency) {
        // Data caches here; the instruction cache is apart: it sees only instruction fetches.
        let data = levels.filter { !$0.name.lowercased().hasPrefix("l1i") }
        let instruction = levels.first { $0.name.lowercased().hasPrefix("l1i") }
        instructionCache = instruction.map {
            CacheArray(instances: t.coreCount, sizeBytes: $0.sizeBytes, ways: $0.ways, lineBytes: $0.lineBytes)
        }
        instructionName = instruction?.name ?? "l1i"
        let privates = data.filter { $0.shared == .core }
        let shared = data.first { $0.shared != .core }
        privateCaches = privates.map {
            CacheArray(instances: t.coreCount, sizeBytes: $0.sizeBytes, ways: $0.ways, lineBytes: $0.lineBytes)
        }
        privateLatency = privates.map { frequency.duration(cycles: $0.latencyCycles) }
        privateLocators = privateCaches.map(\.locator)
        let perCluster = shared?.shared == .cluster
        let domainCount = shared == nil ? 0 : (perCluster ? t.sockets * t.clustersPerSocket : t.sockets)
        domains = domainCount
        lastLevel = shared.map { CacheArray(instances: domainCount, sizeBytes: $0.sizeBytes, ways: $0.ways, lineBytes: $0.lineBytes) }
        lastLevelLatency = shared.map { frequency.duration(cycles: $0.latencyCycles) } ?? .zero
        domainOf = (0..<t.cpuCount).map { Int32(perCluster ? t.cluster(of: $0) : t.socket(of: $0)) }
        var first = Array(repeating: 0, count: domainCount)
        for c in (0..<t.cpuCount).reversed() where domainCount > 0 { first[Int(perCluster ? t.cluster(of: c) : t.socket(of: c))] = c }
        domainCPU = first
        var threads = Array(repeating: [Int](), count: t.coreCount)
        for c in 0..<t.cpuCount { threads[t.core(of: c)].append(c) }
        coreThreads = threads
        names = privates.map(\.name) + (shared.map { [$0.name] } ?? [])
        hits = FixedArray(repeating: 0, count: names.count)
        misses = FixedArray(repeating: 0, count: names.count)
        evictions = FixedArray(repeating: 0, count: names.count)
        isEmpty = names.isEmpty
        lastLevelFillWays = FixedArray(repeating: .max, count: t.cpuCount)
    }

    /// A directory miss missed every private level of the requester.
    @inline(__always) func countPrivateMiss() {
        for i in 0..<privateLevels { misses[i] &+= 1 }
    }
}

/// What the caches counted, per level.
public struct CacheLevelStats: Sendable {
    public var name: String
    public var hits: UInt64
    public var misses: UInt64
    public var evictions: UInt64
}

extension CoherenceDirectory {
    /// Latency of an access to a line the CPU holds: the first private level that has it.
    mutating func cachedHit(_ line: LineID, cpu: Int) -> Picoseconds {
        let core = Int(cpuCore[cpu])
        for i in 0..<caches.privateLevels {
            if caches.privateCaches[i].touch(core, line) {
                caches.hits[i] &+= 1
                // Bring it up into the levels above (inclusive: they are subsets).
                for j in 0..<i { _ = caches.privateCaches[j].insert(core, line) }
                return caches.privateLatency[i]
            }
            caches.misses[i] &+= 1
        }
        // Held by the directory but in no private cache: only when the machine has none.
        fill(line, cpu: cpu, fromMemory: false)
        return caches.privateLatency.last ?? hit
    }

    /// A line no core holds, looked up in the requester's last-level cache, then in the
    /// other domains' (a transfer from there). Nil: memory serves it.
    mutating func lastLevelLookup(_ line: LineID, cpu: Int) -> (Picoseconds, AccessSource)? {
        guard let last = caches.lastLevel else { return nil }
        let llc = caches.privateLevels
        let own = Int(caches.domainOf[cpu])
        if last.touch(own, line) {
            caches.hits[llc] &+= 1
            return (caches.lastLevelLatency, .llc)
        }
        caches.misses[llc] &+= 1
        guard lines[Int(line)].inLastLevel else { return nil }
        var best: (Picoseconds, AccessSource)?
        for d in 0..<caches.domains where d != own && last.contains(d, line) {
            let distance = distance(caches.domainCPU[d], cpu)
            let latency = transferLatency(distance, requester: cpu)
            if best == nil || latency < best!.0 { best = (latency, AccessSource(distance)) }
        }
        return best
    }

    /// A write by `cpu`: every other core's copy and every last-level copy go.
    mutating func invalidateCopies(_ line: LineID, except cpu: Int) {
        let l = Int(line), base = l * words
        let mine = Int(cpuCore[cpu])
        func drop(_ holder: Int) {
            let core = Int(cpuCore[holder])
            guard core != mine else { return }
            for i in 0..<caches.privateLevels { caches.privateCaches[i].remove(core, line) }
            caches.instructionCache?.remove(core, line)
        }
        if lines[l].owner >= 0 { drop(Int(lines[l].owner)) }
        for w in 0..<words {
            var bits = sharers[base + w]
            while bits != 0 {
                drop(w << 6 | bits.trailingZeroBitCount)
                bits &= bits &- 1
            }
        }
        if let last = caches.lastLevel, lines[l].inLastLevel {
            for d in 0..<caches.domains { last.remove(d, line) }
            lines[l].inLastLevel = false
        }
    }

    /// Puts a line the CPU now holds into its core's private levels (and into its last
    /// level when it came from memory), handling what falls out.
    mutating func fill(_ line: LineID, cpu: Int, fromMemory: Bool) {
        let core = Int(cpuCore[cpu])
        let last = caches.privateLevels - 1
        for i in 0..<caches.privateLevels {
            guard let victim = caches.privateCaches[i].insert(core, line) else { continue }
            caches.evictions[i] &+= 1
            if i == last { evictFromCore(victim.line, core: core) }
        }
        if fromMemory && caches.lastLevel != nil {
            insertLastLevel(line, cpu: cpu, dirty: false)
        }
    }

    /// `line` left the last private level of `core`: its threads no longer hold it; dirty
    /// data goes to the last level (or, without one, back to memory).
    mutating func evictFromCore(_ line: LineID, core: Int) {
        let l = Int(line), base = l * words
        for i in 0..<(caches.privateLevels - 1) { caches.privateCaches[i].remove(core, line) }
        // The L1i is inside the unified L2 (when there is one), as the L1d is.
        if caches.privateLevels >= 2 { caches.instructionCache?.remove(core, line) }
        var dirty = false
        for t in caches.coreThreads[core] {
            sharers[base + t >> 6] &= ~(UInt64(1) << UInt64(t & 63))
            if lines[l].owner == Int32(t) {
                dirty = lines[l].state == .modified || lines[l].state == .owned
                lines[l].owner = -1
            }
        }
        var anySharer = false
        for w in 0..<words where sharers[base + w] != 0 { anySharer = true }
        if lines[l].owner < 0 { lines[l].state = anySharer ? .shared : .invalid }
        guard caches.lastLevel != nil else {
            if dirty { writeBack(line, from: caches.coreThreads[core][0]) }
            return
        }
        insertLastLevel(line, cpu: caches.coreThreads[core][0], dirty: dirty)
    }

    /// `line` goes into the last level of `cpu`'s domain, into the ways `cpu` may fill.
    mutating func insertLastLevel(_ line: LineID, cpu: Int, dirty: Bool) {
        lines[Int(line)].inLastLevel = true
        let domain = Int(caches.domainOf[cpu])
        guard let victim = caches.lastLevel!.insert(domain, line, dirty: dirty, allowed: caches.lastLevelFillWays[cpu]) else { return }
        caches.evictions[caches.privateLevels] &+= 1
        if victim.dirty { writeBack(victim.line, from: cpu) }
    }

    /// A dirty `line` leaves the caches of `cpu`'s die for its home memory. The access whose
    /// fill pushed it out waits for its queueing (its slot on the die link, the socket links
    /// and the controller): at saturation, writers slow to the write path's bandwidth.
    mutating func writeBack(_ line: LineID, from cpu: Int) {
        caches.writebacks &+= 1
        let node = Int(lines[Int(line)].home)
        let wait = servers.writeBack(node: node, home: topology.socket(ofNode: node), from: Int(cpuSocket[cpu]),
                                     die: Int(cpuDie[cpu]), at: clock)
        if wait > writebackWait { writebackWait = wait }
    }

    /// Hits, misses and evictions per cache level, L1 first.
    public var cacheStats: [CacheLevelStats] {
        var levels = caches.names.indices.map {
            CacheLevelStats(name: caches.names[$0], hits: caches.hits[$0], misses: caches.misses[$0], evictions: caches.evictions[$0])
        }
        let i = caches.instructionStats
        if i[0] + i[1] > 0 {  // only runs that fetch instructions (traces with fetch records) report it
            levels.insert(CacheLevelStats(name: caches.instructionName, hits: i[0], misses: i[1], evictions: i[2]),
                          at: min(1, levels.count))
        }
        return levels
    }

    // MARK: Instruction fetch

    /// Whether `cpu`'s core has the code line `line` in its instruction cache (a hit: it
    /// becomes the most recently used, and costs nothing beyond the instruction's issue).
    /// True also when the machine has no instruction cache: fetches are then not simulated.
    public mutating func fetchHits(_ line: LineID, cpu: Int) -> Bool {
        guard let l1i = caches.instructionCache else { return true }
        guard l1i.touch(Int(cpuCore[cpu]), line) else { return false }
        caches.instructionStats[0] &+= 1
        return true
    }

    /// An instruction-cache miss at `now`: the line comes from the core's unified private
    /// levels below L1, else the last level (its own or another domain's), else memory; it
    /// fills those levels and the L1i, not the L1d. Code is read-only, so no core's copy is
    /// invalidated and no coherence state changes. Returns when the line is there.
    public mutating func fetchMiss(_ line: LineID, cpu: Int, now: Picoseconds) -> Picoseconds {
        guard let l1i = caches.instructionCache else { return now }
        writebackWait = 0
        let core = Int(cpuCore[cpu]), l = Int(line)
        caches.instructionStats[1] &+= 1
        clock = now.raw
        lines[l].accesses &+= 1
        var latency: Picoseconds?
        for i in 1..<max(1, caches.privateLevels) {
            if caches.privateCaches[i].touch(core, line) {
                caches.hits[i] &+= 1
                latency = caches.privateLatency[i]
                break
            }
            caches.misses[i] &+= 1
        }
        var source = AccessSource.hit
        if latency == nil {
            if let (llc, src) = lastLevelLookup(line, cpu: cpu) {
                latency = llc
                source = src
            } else {
                let node = Int(lines[l].home)
                var t = lines[l].home == cpuNode[cpu] ? memory.latencyLocal : memory.latencyRemote
                source = lines[l].home == cpuNode[cpu] ? .memoryLocal : .memoryRemote
                t += Picoseconds(servers.read(node: node, from: topology.socket(ofNode: node), to: Int(cpuSocket[cpu]), die: Int(cpuDie[cpu]), at: now.raw))
                latency = t
                if caches.lastLevel != nil { insertLastLevel(line, cpu: cpu, dirty: false) }
            }
            transfers[source.rawValue] &+= 1
            missStats[l].misses &+= 1
            // Into the unified private levels (inclusive: the last one's victim leaves the core).
            let last = caches.privateLevels - 1
            for i in 1..<max(1, caches.privateLevels) {
                guard let victim = caches.privateCaches[i].insert(core, line) else { continue }
                caches.evictions[i] &+= 1
                if i == last { evictFromCore(victim.line, core: core) }
            }
        }
        if l1i.insert(core, line) != nil { caches.instructionStats[2] &+= 1 }  // clean: dropped
        return now + latency! + Picoseconds(writebackWait)
    }

    // MARK: Cache partitioning

    /// Ways of the last level, and whether the machine has one to partition.
    public var lastLevelWays: Int? { caches.lastLevel?.ways }

    /// Restricts the last-level fills of `cpu` to `ways` (way indices; empty: every way).
    /// Lines already cached stay where they are, as when a class of service changes.
    public mutating func setLastLevelFillWays(cpu: Int, ways: [Int]) {
        caches.lastLevelFillWays[cpu] = ways.isEmpty ? .max : ways.reduce(0) { $0 | UInt64(1) << UInt64($1) }
    }

    /// Dirty lines written back to memory.
    public var writebacks: UInt64 { caches.writebacks }

    /// Coherence control messages that crossed socket links, by kind.
    public var linkMessages: [(LinkMessage, UInt64)] { LinkMessage.allCases.map { ($0, servers.messages[$0.rawValue]) } }

    /// Per NUMA node controller (`node0`…), then per loaded link (`socket0->1`…), then per
    /// loaded die link (`die0` toward the die, `die0-out` out of it), over `elapsed`.
    public func serverStats(elapsed: Picoseconds) -> [ServerStats] {
        let span = Double(Swift.max(1, elapsed.raw))
        var out = servers.nodeLines.indices.map { n in
            ServerStats(name: "node\(n)", lines: servers.nodeLines[n], writebacks: servers.nodeWritebacks[n], waitPs: servers.nodeWaitPs[n],
                        utilization: Swift.min(1, Double((servers.nodeLines[n] + servers.nodeWritebacks[n]) &* servers.nodeService) / span))
        }
        for link in servers.linkLines.indices where servers.linkLines[link] > 0 || servers.linkControl[link] > 0 {
            // Control packets are counted by number; their time is a request's or a response's
            // (the mix is in `linkMessages`): the busy time takes each at the request size.
            let busy = servers.linkLines[link] &* servers.linkService &+ servers.linkControl[link] &* servers.requestService
            out.append(ServerStats(name: "socket\(link / servers.sockets)->\(link % servers.sockets)", lines: servers.linkLines[link],
                                   writebacks: 0, controlPackets: servers.linkControl[link], waitPs: servers.linkWaitPs[link],
                                   utilization: Swift.min(1, Double(busy) / span)))
        }
        for d in servers.dieLines.indices where servers.dieLines[d] > 0 {
            out.append(ServerStats(name: "die\(d)", lines: servers.dieLines[d], writebacks: 0, waitPs: servers.dieWaitPs[d],
                                   utilization: Swift.min(1, Double(servers.dieLines[d] &* servers.dieService) / span)))
        }
        for d in servers.dieOutLines.indices where servers.dieOutLines[d] > 0 {
            out.append(ServerStats(name: "die\(d)-out", lines: servers.dieOutLines[d], writebacks: 0, waitPs: servers.dieOutWaitPs[d],
                                   utilization: Swift.min(1, Double(servers.dieOutLines[d] &* servers.dieOutService) / span)))
        }
        return out
    }
}
