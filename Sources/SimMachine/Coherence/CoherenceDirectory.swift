import CPrefetch

/// The directory: one entry per touched line, with state, owner, sharers,
/// one word of value, the line's home NUMA node, and its queue.
///
/// Model (see docs/model.md):
/// - A hit costs the L1 latency. A miss is served by the owner (M/E/O), else the
///   nearest sharer for a read, else memory (local or remote by the line's home).
///   A write also invalidates every other copy and waits for the farthest ack.
/// - A line serves one transaction at a time: a miss starts when the previous one
///   on that line has finished (`busyUntil`). That queueing is the contention.
/// - State changes are applied when the request is made; the requester sees the
///   data at `completion`. Locked operations keep the line until they finish.
/// - CPUs spinning on a line register as waiters; a write wakes them so that they
///   re-read (paying a real miss) instead of the engine simulating every poll.
///
/// A line's state is one `LineRecord` (plus its bitmaps), in arrays indexed by `LineID`
/// and written in place; no allocation per access.
public struct CoherenceDirectory: Sendable {
    public let topology: Topology
    public let spec: CoherenceSpec
    public let memory: MemorySpec
    let hit: Picoseconds
    let atomic: Picoseconds
    let words: Int  // sharer-bitmap words per line

    // Per CPU, precomputed to keep divisions off the hot path.
    @usableFromInline let cpuSocket: [Int32]
    @usableFromInline let cpuCore: [Int32]
    @usableFromInline let cpuCluster: [Int32]
    @usableFromInline let cpuDie: [Int32]
    @usableFromInline let cpuNode: [Int32]
    let clustered: Bool
    let multiDie: Bool
    /// Links between sockets, row-major; `multiHop` when some pair is more than one apart.
    let socketHops: [Int32]
    let sockets: Int
    let multiHop: Bool
    /// Broadcast snooping: the shortest a miss can take, by (home socket, requester socket).
    let probeFloor: [Picoseconds]

    // Per line.
    var lines = GrowingArray<LineRecord>()
    /// `words` per line: bit c of word c / 64 set when CPU c holds a shared copy.
    var sharers = GrowingArray<UInt64>()
    /// `words` per line: the CPUs that ever accessed it (a CPU holding it has).
    var touched = GrowingArray<UInt64>()
    var missStats = GrowingArray<LineMissStats>()
    public private(set) var names: [String] = []

    // Per CPU waiter links.
    var nextWaiter: [Int32]
    public private(set) var waitingOn: [LineID]

    // Statistics.
    public internal(set) var transfers: [UInt64] = Array(repeating: 0, count: AccessSource.allCases.count)

    /// The caches in front of the directory (empty: every line a CPU holds stays cached).
    var caches: CacheHierarchy
    /// Memory controllers and inter-socket links, with their queues.
    var servers: MemoryServers
    /// Time of the access being served (write-backs it causes happen then).
    var clock: UInt64 = 0
    /// The longest queueing of the write-backs the current access's fill caused.
    var writebackWait: UInt64 = 0

    public init(topology: Topology, spec: CoherenceSpec, memory: MemorySpec, hitLatency: Picoseconds, frequency: Frequency,
                caches cacheLevels: [CacheLevel] = []) {
        self.topology = topology
        self.spec = spec
        self.memory = memory
        self.hit = hitLatency
        self.atomic = frequency.duration(cycles: spec.atomicCycles)
        let n = topology.cpuCount
        self.words = (n + 63) / 64
        self.cpuSocket = (0..<n).map { Int32(topology.socket(of: $0)) }
        self.cpuCore = (0..<n).map { Int32(topology.core(of: $0)) }
        self.cpuCluster = (0..<n).map { Int32(topology.cluster(of: $0)) }
        self.cpuDie = (0..<n).map { Int32(topology.die(of: $0)) }
        self.cpuNode = (0..<n).map { Int32(topology.numaNode(of: $0)) }
        self.clustered = topology.coresPerCluster < topology.coresPerSocket
        self.multiDie = topology.coresPerDie < topology.coresPerSocket
        let hops = topology.socketHops()
        let sockets = topology.sockets
        self.sockets = sockets
        self.socketHops = hops.map { Int32($0) }
        self.multiHop = hops.contains { $0 > 1 } && spec.hop > .zero
        // Probes go home → every socket, responses every socket → requester.
        var floor: [Picoseconds] = []
        if spec.snoop == .broadcast {
            for h in 0..<sockets {
                for r in 0..<sockets {
                    var longest = 0
                    for n in 0..<sockets { longest = Swift.max(longest, hops[h * sockets + n] + hops[n * sockets + r]) }
                    floor.append(spec.probe + Picoseconds(spec.hop.raw * UInt64(longest)))
                }
            }
        }
        self.probeFloor = floor
        self.nextWaiter = Array(repeating: -1, count: n)
        self.waitingOn = Array(repeating: -1, count: n)
        self.caches = CacheHierarchy(levels: cacheLevels, topology: topology, frequency: frequency)
        self.servers = MemoryServers(memory: memory, topology: topology, packets: spec.packets)
    }

    public var lineCount: Int { lines.count }

    /// Adds a line homed on NUMA node `home`, holding `value`, uncached.
    public mutating func allocate(name: String, home homeNode: Int, value: UInt64 = 0) -> LineID {
        let id = LineID(lines.count)
        lines.append(LineRecord(value: value, home: Int32(homeNode)))
        sharers.append(repeating: 0, count: words); touched.append(repeating: 0, count: words)
        missStats.append(LineMissStats())
        names.append(name)
        return id
    }

    // MARK: Latency

    // The small non-mutating helpers that `access` calls are always inlined: called out of
    // line from a mutating method, each call copied the whole directory struct (a memcpy of
    // ~1 KB per call, 7% of a coherence-bound run's instructions).
    @inline(__always) func distance(_ a: Int, _ b: Int) -> Distance {
        if a == b { return .same }
        if cpuSocket[a] != cpuSocket[b] { return .remote }
        if cpuCore[a] == cpuCore[b] { return .smt }
        if clustered && cpuCluster[a] == cpuCluster[b] { return .cluster }
        if multiDie && cpuDie[a] == cpuDie[b] { return .die }
        return .socket
    }

    /// Cache-to-cache hand-off latency from `from` to `to`.
    @usableFromInline @inline(__always)
    func transferLatency(_ d: Distance, requester: Int) -> Picoseconds {
        switch d {
        case .same: return hit
        case .smt: return spec.smt
        case .cluster: return spec.cluster
        case .die:
            let s = Int(cpuSocket[requester])
            return s < spec.die.count ? spec.die[s] : (spec.die.last ?? .zero)
        case .socket:
            let s = Int(cpuSocket[requester])
            return s < spec.socket.count ? spec.socket[s] : (spec.socket.last ?? .zero)
        case .remote: return spec.remote
        }
    }

    /// What the links beyond the first add between two sockets (request out, data back).
    @inline(__always) func extraHops(_ a: Int32, _ b: Int32) -> Picoseconds {
        let h = socketHops[Int(a) * sockets + Int(b)]
        return h > 1 ? Picoseconds(spec.hop.raw &* 2 &* UInt64(h - 1)) : .zero
    }

    /// A modified line's hand-off from `from`'s cache to `to`, without queueing (for costs
    /// the kernel model charges as one message).
    public func handOffLatency(from: Int, to: Int) -> Picoseconds {
        let d = distance(from, to)
        var latency = transferLatency(d, requester: to)
        if d == .remote && multiHop { latency += extraHops(cpuSocket[from], cpuSocket[to]) }
        if !probeFloor.isEmpty && d > .smt {
            latency = Swift.max(latency, probeFloor[Int(cpuSocket[to]) * sockets + Int(cpuSocket[to])])
        }
        return latency
    }

    // MARK: Access

    /// Performs one access by `cpu` at `now`, applying MESI/MOESI transitions and the value update.
    public mutating func access(_ line: LineID, cpu: Int, update: ValueUpdate, now: Picoseconds) -> AccessOutcome {
        let l = Int(line)
        let base = l * words
        let bitWord = base + cpu >> 6
        let bit = UInt64(1) << UInt64(cpu & 63)
        let writes = update.writes
        lines[l].accesses &+= 1
        clock = now.raw

        let isHit: Bool
        if writes {
            isHit = lines[l].owner == Int32(cpu) && (lines[l].state == .modified || lines[l].state == .exclusive)
        } else {
            isHit = lines[l].owner == Int32(cpu) || sharers[bitWord] & bit != 0
        }

        var completion: Picoseconds
        var source = AccessSource.hit
        if isHit {
            completion = now + (caches.isEmpty ? hit : cachedHit(line, cpu: cpu))
            if update.isLocked {
                completion += atomic
                if lines[l].busyUntil < completion.raw { lines[l].busyUntil = completion.raw }
            }
            if writes { lines[l].state = .modified }
        } else {
            // Only a miss can be a CPU's first access: a CPU holding the line accessed it.
            touched[bitWord] |= bit
            let start = Picoseconds(Swift.max(now.raw, lines[l].busyUntil))
            missStats[l].waitPs &+= start.raw &- now.raw
            servers.now = now.raw
            var latency = Picoseconds.zero
            let o = Int(lines[l].owner)
            var server = -1  // the cache that sends the data, when one does
            if o >= 0 && o != cpu {
                let d = distance(o, cpu)
                latency = transferLatency(d, requester: cpu)
                if d == .remote && multiHop { latency += extraHops(cpuSocket[o], cpuSocket[cpu]) }
                source = AccessSource(d)
                server = o
            }
            // Other sharers: nearest serves a read; all must ack a write.
            var nearest = Distance.remote
            var farthest = Distance.same
            var anySharer = false
            var nearestCPU = -1
            var farthestHops = Picoseconds.zero
            var sharerSockets: UInt64 = 0
            for w in 0..<words {
                var bits = sharers[base + w]
                if w == cpu >> 6 { bits &= ~bit }
                while bits != 0 {
                    let c = w << 6 | bits.trailingZeroBitCount
                    bits &= bits &- 1
                    let d = distance(c, cpu)
                    anySharer = true
                    sharerSockets |= UInt64(1) << UInt64(cpuSocket[c] & 63)
                    // The nearest serves a read; among remote ones, the fewest hops away.
                    if d < nearest || nearestCPU < 0
                        || (multiHop && d == .remote && nearest == .remote
                            && extraHops(cpuSocket[c], cpuSocket[cpu]) < extraHops(cpuSocket[nearestCPU], cpuSocket[cpu])) {
                        nearest = d; nearestCPU = c
                    }
                    if d > farthest { farthest = d }
                    if multiHop && d == .remote { farthestHops = Swift.max(farthestHops, extraHops(cpuSocket[c], cpuSocket[cpu])) }
                }
            }
            if writes {
                if anySharer {
                    let inv = transferLatency(farthest, requester: cpu) + farthestHops
                    if inv > latency { latency = inv }
                    if source == .hit { source = AccessSource(farthest) }
                }
            } else if source == .hit && anySharer {
                latency = transferLatency(nearest, requester: cpu)
                if nearest == .remote && multiHop { latency += extraHops(cpuSocket[nearestCPU], cpuSocket[cpu]) }
                source = AccessSource(nearest)
                server = nearestCPU
            }
            // A line one cache sends another across dies or sockets loads the die links and
            // socket links it crosses, and queues where they are busy.
            if server >= 0 && (source == .socket || source == .remote) {
                latency += Picoseconds(servers.transfer(fromSocket: Int(cpuSocket[server]), fromDie: Int(cpuDie[server]),
                                                        toSocket: Int(cpuSocket[cpu]), toDie: Int(cpuDie[cpu]), at: start.raw))
            }
            // Across sockets, a line homed away from the serving cache's socket costs a detour
            // through its home directory.
            if source == .remote && server >= 0 && topology.socket(ofNode: Int(lines[l].home)) != Int(cpuSocket[server]) {
                latency += spec.viaHome
            }
            let selfHeld = sharers[bitWord] & bit != 0 || o == cpu
            if !caches.isEmpty { caches.countPrivateMiss() }
            if source == .hit && selfHeld {
                // Upgrade of the only copy: no other cache to ask, no data to fetch.
                latency = hit
            } else if source == .hit, let (llcLatency, llcSource) = lastLevelLookup(line, cpu: cpu) {
                // No core has it, a last-level cache does.
                latency = llcLatency; source = llcSource
            } else if source == .hit {
                // Nobody has it: memory serves it, local or remote by the line's home.
                if lines[l].home == cpuNode[cpu] {
                    latency = memory.latencyLocal; source = .memoryLocal
                } else {
                    latency = memory.latencyRemote; source = .memoryRemote
                    if multiHop { latency += extraHops(Int32(topology.socket(ofNode: Int(lines[l].home))), cpuSocket[cpu]) }
                }
                let node = Int(lines[l].home)
                latency += Picoseconds(servers.read(node: node, from: topology.socket(ofNode: node), to: Int(cpuSocket[cpu]), die: Int(cpuDie[cpu]), at: start.raw))
            }
            if !probeFloor.isEmpty && source != .hit && source != .smt && source != .llc {
                // Nothing completes before every socket has answered the probes.
                let floor = probeFloor[topology.socket(ofNode: Int(lines[l].home)) * sockets + Int(cpuSocket[cpu])]
                if latency < floor { latency = floor }
            }
            if servers.requestService > 0 && source != .hit && source != .smt && source != .llc {
                // The miss's control packets queue where the links are busy.
                latency += Picoseconds(controlTraffic(line: l, cpu: cpu, writes: writes, server: server,
                                                      sharerSockets: sharerSockets, at: start.raw))
            }
            completion = start + latency
            if update.isLocked { completion += atomic }
            lines[l].busyUntil = completion.raw
            transfers[source.rawValue] &+= 1
            missStats[l].misses &+= 1
            if source == .remote || source == .memoryRemote { missStats[l].remoteTransfers &+= 1 }

            if writes && !caches.isEmpty { invalidateCopies(line, except: cpu) }

            // Transitions.
            if writes {
                for w in 0..<words { sharers[base + w] = 0 }
                lines[l].owner = Int32(cpu)
                lines[l].state = .modified
            } else if o >= 0 && o != cpu {
                if spec.protocolKind == .moesi && (lines[l].state == .modified || lines[l].state == .owned) {
                    lines[l].state = .owned  // owner keeps the dirty line and keeps serving it
                } else {
                    // MESI: the owner writes back and both keep a shared copy.
                    sharers[base + o >> 6] |= UInt64(1) << UInt64(o & 63)
                    lines[l].owner = -1
                    lines[l].state = .shared
                }
                sharers[bitWord] |= bit
            } else if anySharer || o == cpu {
                sharers[bitWord] |= bit
                if lines[l].state != .owned { lines[l].state = .shared }
            } else {
                lines[l].owner = Int32(cpu)
                lines[l].state = .exclusive
            }
            if !caches.isEmpty {
                writebackWait = 0
                fill(line, cpu: cpu, fromMemory: source == .memoryLocal || source == .memoryRemote)
                if writebackWait > 0 {
                    completion += Picoseconds(writebackWait)
                    lines[l].busyUntil = completion.raw
                }
            }
        }

        let old = lines[l].value
        var succeeded = true
        switch update {
        case .none: break
        case .set(let v): lines[l].value = v
        case .add(let d): lines[l].value = old &+ d
        case .exchange(let v): lines[l].value = v
        case .setBits(let mask, let v): lines[l].value = (old & ~mask) | (v & mask)
        case .compareAndSwap(let expected, let new):
            if old == expected { lines[l].value = new } else { succeeded = false }
        }
        return AccessOutcome(completion: completion, oldValue: old, succeeded: succeeded,
                             hasWaiters: lines[l].value != old && lines[l].waiterHead >= 0, source: source)
    }

    /// A plain load (`store` nil) or a store of `store` by `cpu` at `now` that hits: the CPU
    /// holds the line as the access needs (any copy for a load, modified or exclusive for a
    /// store). Does exactly what `access` does for such a hit, without its general path (the
    /// trace replay's common case); nil, with nothing changed, for any other access, which
    /// `access` then serves. `wakes`: the value changed under spinning CPUs.
    public mutating func plainHit(_ line: LineID, cpu: Int, store: UInt64?, now: Picoseconds) -> (completion: Picoseconds, wakes: Bool)? {
        let l = Int(line)
        let bitWord = l * words + cpu >> 6
        let bit = UInt64(1) << UInt64(cpu & 63)
        let isHit = store != nil ? lines[l].owner == Int32(cpu) && (lines[l].state == .modified || lines[l].state == .exclusive)
            : lines[l].owner == Int32(cpu) || sharers[bitWord] & bit != 0
        guard isHit else { return nil }
        lines[l].accesses &+= 1  // `touched` has the CPU already: it holds the line
        clock = now.raw
        let completion: Picoseconds
        if caches.isEmpty {
            completion = now + hit
        } else if caches.privateLevels > 0 && caches.privateCaches[0].touch(Int(cpuCore[cpu]), line) {
            caches.hits[0] &+= 1  // an L1 hit, as `cachedHit` counts it
            completion = now + caches.privateLatency[0]
        } else {
            completion = now + cachedHit(line, cpu: cpu)
        }
        guard let value = store else { return (completion, false) }
        lines[l].state = .modified
        let old = lines[l].value
        lines[l].value = value
        return (completion, value != old && lines[l].waiterHead >= 0)
    }

    /// Asks the host to start loading what an access by `cpu` to `line` reads first: the
    /// line's record and sharers and the core's private cache sets. The trace replay calls
    /// it when it parks an access behind other CPUs' events, whose handling then hides the
    /// host's memory latency (on a 4-MiB working set most of an access's time was waiting
    /// for it). Changes nothing. Mutating only so that the call does not copy the directory.
    public mutating func prefetch(_ line: LineID, cpu: Int) {
        let l = Int(line)
        guard l >= 0 && l < lines.count else { return }
        let record = UnsafeRawPointer(lines.storage.base + l)
        mksim_prefetch(record)
        let end = record + (MemoryLayout<LineRecord>.size - 1)
        if Int(bitPattern: end) & ~63 != Int(bitPattern: record) & ~63 { mksim_prefetch(end) }
        mksim_prefetch(sharers.storage.base + (l * words + cpu >> 6))
        let core = Int(cpuCore[cpu])
        for i in 0..<caches.privateLocators.count { caches.privateLocators[i].prefetchSet(core, line) }
    }

    /// A miss's coherence messages on the socket links (besides the data, which `servers`
    /// carries already): the request to the home; with broadcast snooping a probe from the
    /// home to every other socket and a response from each that does not send the data; with
    /// a directory, a forward to the socket that holds the line and, for a write, an
    /// invalidation to every other socket with a copy and its acknowledgement. Returns how long
    /// the miss waits behind other traffic on the way (the messages' own time on the links is
    /// in the protocol's latencies already).
    mutating func controlTraffic(line l: Int, cpu: Int, writes: Bool, server: Int, sharerSockets: UInt64, at t0: UInt64) -> UInt64 {
        let requester = Int(cpuSocket[cpu])
        let homeSocket = topology.socket(ofNode: Int(lines[l].home))
        let serverSocket = server >= 0 ? Int(cpuSocket[server]) : homeSocket
        let atHome = servers.control(.request, from: requester, to: homeSocket, at: t0)
        var last = atHome
        if spec.snoop == .broadcast {
            for s in 0..<sockets where s != homeSocket {
                let probed = servers.control(.probe, from: homeSocket, to: s, at: atHome)
                let answered = s == serverSocket ? probed : servers.control(.probeResponse, from: s, to: requester, at: probed)
                last = Swift.max(last, answered)
            }
        } else {
            if serverSocket != homeSocket { last = Swift.max(last, servers.control(.forward, from: homeSocket, to: serverSocket, at: atHome)) }
            if writes {
                var bits = sharerSockets & ~(UInt64(1) << UInt64(requester))
                while bits != 0 {
                    let s = bits.trailingZeroBitCount
                    bits &= bits &- 1
                    let invalidated = servers.control(.invalidation, from: homeSocket, to: s, at: atHome)
                    last = Swift.max(last, servers.control(.ack, from: s, to: requester, at: invalidated))
                }
            }
        }
        return last - t0
    }

    /// What the directory counted on `line` (for reports).
    public func counts(of line: LineID) -> LineCounts {
        let l = Int(line)
        return LineCounts(accesses: lines[l].accesses, misses: missStats[l].misses,
                          queueWaitPs: missStats[l].waitPs, remoteTransfers: missStats[l].remoteTransfers)
    }

    /// Every line's counts, by id (one call for a report that ranks lines: a call per line
    /// from outside the module copies the directory each time).
    public func lineCounts() -> [LineCounts] { (0..<lines.count).map { counts(of: LineID($0)) } }

    /// Value of a line without any timing effect (for reports and tests).
    public func peekValue(_ line: LineID) -> UInt64 { lines[Int(line)].value }

    /// Sets a line's value without a memory transaction: memory a kernel initializes while
    /// it boots (whose time its boot already accounts for). Cached copies keep their places.
    public mutating func initialize(_ line: LineID, value: UInt64) { lines[Int(line)].value = value }

    // MARK: Spinning waiters

    /// Registers `cpu` as spinning on `line` until the next write to it.
    public mutating func addWaiter(_ line: LineID, cpu: Int) {
        let l = Int(line)
        waitingOn[cpu] = line
        nextWaiter[cpu] = -1
        if lines[l].waiterTail >= 0 { nextWaiter[Int(lines[l].waiterTail)] = Int32(cpu) } else { lines[l].waiterHead = Int32(cpu) }
        lines[l].waiterTail = Int32(cpu)
    }

    /// Removes and returns the first waiter of `line`, in registration order.
    public mutating func popWaiter(_ line: LineID) -> Int? {
        let l = Int(line)
        let h = lines[l].waiterHead
        if h < 0 { return nil }
        lines[l].waiterHead = nextWaiter[Int(h)]
        if lines[l].waiterHead < 0 { lines[l].waiterTail = -1 }
        nextWaiter[Int(h)] = -1
        waitingOn[Int(h)] = -1
        return Int(h)
    }

    /// Removes `cpu` from whatever line it spins on (an interrupt took it away).
    public mutating func cancelWait(cpu: Int) {
        let line = waitingOn[cpu]
        if line < 0 { return }
        let l = Int(line)
        var prev: Int32 = -1
        var c = lines[l].waiterHead
        while c >= 0 {
            if c == Int32(cpu) {
                let next = nextWaiter[Int(c)]
                if prev >= 0 { nextWaiter[Int(prev)] = next } else { lines[l].waiterHead = next }
                if lines[l].waiterTail == c { lines[l].waiterTail = prev }
                break
            }
            prev = c
            c = nextWaiter[Int(c)]
        }
        nextWaiter[cpu] = -1
        waitingOn[cpu] = -1
    }

    // MARK: Reporting

    /// Logical CPUs that ever touched `line`, ascending.
    public func touchers(of line: LineID) -> [Int] {
        let base = Int(line) * words
        var out: [Int] = []
        for w in 0..<words {
            var bits = touched[base + w]
            while bits != 0 {
                out.append(w << 6 | bits.trailingZeroBitCount)
                bits &= bits &- 1
            }
        }
        return out
    }

    public func state(of line: LineID) -> LineState { lines[Int(line)].state }
    public func owner(of line: LineID) -> Int? { lines[Int(line)].owner >= 0 ? Int(lines[Int(line)].owner) : nil }
    public func sharerList(of line: LineID) -> [Int] {
        let base = Int(line) * words
        var out: [Int] = []
        for w in 0..<words {
            var bits = sharers[base + w]
            while bits != 0 { out.append(w << 6 | bits.trailingZeroBitCount); bits &= bits &- 1 }
        }
        return out
    }
}
