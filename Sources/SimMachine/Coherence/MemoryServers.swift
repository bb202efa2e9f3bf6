/// Memory controllers (one server per NUMA node), inter-socket links (one server per
/// direction of each link) and die links (one server per direction per die) with finite
/// bandwidth: a line transfer occupies a server for line size / bandwidth, and waits while
/// the server is busy with earlier ones. That queueing is what makes bandwidth-bound
/// workloads flatten (docs/model.md). Memory reads, write-backs and cache-to-cache
/// transfers all load the links they cross. Between sockets that no link joins
/// (`socket_links`), a line crosses every link of a shortest route and loads each of them.
struct MemoryServers: Sendable {
    let sockets: Int
    /// Picoseconds one 64-byte line occupies a node's controllers, and a link.
    let nodeService: UInt64
    let linkService: UInt64
    let nodeFreeAt: FixedArray<UInt64>
    let linkFreeAt: FixedArray<UInt64>
    /// Each die's link from the rest of its socket (0: none), with what it carried; and the
    /// same link's other direction, out of the die (write-backs, lines the die's caches serve).
    let dieService: UInt64
    let dieFreeAt: FixedArray<UInt64>
    let dieLines: FixedArray<UInt64>
    let dieWaitPs: FixedArray<UInt64>
    let dieOutService: UInt64
    let dieOutFreeAt: FixedArray<UInt64>
    let dieOutLines: FixedArray<UInt64>
    let dieOutWaitPs: FixedArray<UInt64>
    // Statistics.
    let nodeLines: FixedArray<UInt64>
    let nodeWaitPs: FixedArray<UInt64>
    let nodeWritebacks: FixedArray<UInt64>
    let linkLines: FixedArray<UInt64>
    let linkWaitPs: FixedArray<UInt64>
    /// A request-sized and a response-sized control packet's time on a link (0: not modeled),
    /// control packets each link carried, and messages by kind (`LinkMessage`).
    let requestService: UInt64
    let responseService: UInt64
    let linkControl: FixedArray<UInt64>
    let messages: FixedArray<UInt64>
    /// Per link, when the traffic sent at the engine's time is through (control packets
    /// queue behind it). A line transfer queued behind other transactions of its line reserves
    /// the link ahead of the engine's time (`linkFreeAt`); the link is idle before that, so
    /// control packets keep a queue of their own with the transfers that start now.
    let linkNowFree: FixedArray<UInt64>
    /// The engine's time of the access being served (set by the directory).
    var now: UInt64 = 0
    /// The links (as `from * sockets + to`) a line crosses from socket a to socket b: entries
    /// `routeStart[a * sockets + b] ..< routeStart[a * sockets + b + 1]` of `routeLinks`.
    let routeStart: [Int32]
    let routeLinks: [Int32]

    init(memory: MemorySpec, topology t: Topology, packets: LinkPackets = LinkPackets(), lineBytes: Int = 64) {
        sockets = t.sockets
        func service(_ bytesPerSecond: UInt64) -> UInt64 {
            bytesPerSecond == 0 ? 0 : UInt64((Double(lineBytes) * 1e12 / Double(bytesPerSecond)).rounded())
        }
        nodeService = service(memory.bandwidthLocal)
        linkService = service(memory.bandwidthRemote)
        // FixedArray: written on every miss, without Array's uniqueness checks.
        let nodes = t.numaNodeCount, links = t.sockets * t.sockets
        nodeFreeAt = FixedArray(repeating: 0, count: nodes)
        nodeLines = FixedArray(repeating: 0, count: nodes)
        nodeWaitPs = FixedArray(repeating: 0, count: nodes)
        nodeWritebacks = FixedArray(repeating: 0, count: nodes)
        linkFreeAt = FixedArray(repeating: 0, count: links)
        linkLines = FixedArray(repeating: 0, count: links)
        linkWaitPs = FixedArray(repeating: 0, count: links)
        (routeStart, routeLinks) = Self.routes(t)
        let modeled = packets.request > 0 && packets.data > 0 && t.sockets > 1
        requestService = modeled ? Swift.max(1, linkService * UInt64(packets.request) / UInt64(packets.data)) : 0
        responseService = modeled ? Swift.max(1, linkService * UInt64(Swift.max(1, packets.response)) / UInt64(packets.data)) : 0
        linkControl = FixedArray(repeating: 0, count: links)
        linkNowFree = FixedArray(repeating: 0, count: links)
        messages = FixedArray(repeating: 0, count: LinkMessage.allCases.count)
        dieService = service(memory.bandwidthDie)
        let dies = t.sockets * ((t.coresPerSocket + t.coresPerDie - 1) / t.coresPerDie)
        let dieCount = dieService > 0 ? dies : 0
        dieFreeAt = FixedArray(repeating: 0, count: dieCount)
        dieLines = FixedArray(repeating: 0, count: dieCount)
        dieWaitPs = FixedArray(repeating: 0, count: dieCount)
        dieOutService = dieService > 0 ? service(memory.bandwidthDieWrite > 0 ? memory.bandwidthDieWrite : memory.bandwidthDie) : 0
        dieOutFreeAt = FixedArray(repeating: 0, count: dieCount)
        dieOutLines = FixedArray(repeating: 0, count: dieCount)
        dieOutWaitPs = FixedArray(repeating: 0, count: dieCount)
    }

    /// One line through a server free at `freeAt` that serves a line in `service`, arriving at
    /// `t`: returns when it starts, after the lines ahead of it.
    @inline(__always) static func pass(_ freeAt: inout UInt64, _ lines: inout UInt64, _ waitPs: inout UInt64,
                                       service: UInt64, at t: UInt64) -> UInt64 {
        let start = Swift.max(t, freeAt)
        freeAt = start + service
        lines &+= 1
        waitPs &+= start - t
        return start
    }

    /// A line from socket `from` to socket `to` over the links of the route, from `t`.
    mutating func crossLinks(from: Int, to: Int, at t: UInt64) -> UInt64 {
        guard from != to && linkService > 0 else { return t }
        var t = t
        let pair = from * sockets + to
        for r in Int(routeStart[pair])..<Int(routeStart[pair + 1]) {
            let link = Int(routeLinks[r])
            let sent = t
            t = Self.pass(&linkFreeAt[link], &linkLines[link], &linkWaitPs[link], service: linkService, at: t)
            // A transfer that starts now is in the queue control packets see.
            if requestService > 0 && sent <= now { linkNowFree[link] = Swift.max(sent, linkNowFree[link]) + linkService }
        }
        return t
    }

    /// A control packet of `kind` from socket `from` to socket `to` over the links of the
    /// route, from `t`: returns when it got onto the last link (after any queueing behind the
    /// traffic sent now).
    mutating func control(_ kind: LinkMessage, from: Int, to: Int, at t: UInt64) -> UInt64 {
        guard from != to else { return t }
        messages[kind.rawValue] &+= 1
        let service = kind.isResponse ? responseService : requestService
        var t = t
        let pair = from * sockets + to
        for r in Int(routeStart[pair])..<Int(routeStart[pair + 1]) {
            let link = Int(routeLinks[r])
            let start = Swift.max(t, linkNowFree[link])
            // Only what is sent now joins the queue: a miss queued behind others of its line
            // sends its packets later, when the traffic of now has gone.
            if t <= now { linkNowFree[link] = start + service }
            linkWaitPs[link] &+= start - t
            linkControl[link] &+= 1
            t = start
        }
        return t
    }

    /// A line leaving die `die` toward the rest of its socket, from `t`.
    mutating func leaveDie(_ die: Int, at t: UInt64) -> UInt64 {
        guard dieOutService > 0 else { return t }
        return Self.pass(&dieOutFreeAt[die], &dieOutLines[die], &dieOutWaitPs[die], service: dieOutService, at: t)
    }

    /// A line entering die `die` from the rest of its socket, from `t`.
    mutating func enterDie(_ die: Int, at t: UInt64) -> UInt64 {
        guard dieService > 0 else { return t }
        return Self.pass(&dieFreeAt[die], &dieLines[die], &dieWaitPs[die], service: dieService, at: t)
    }

    /// A cache-to-cache transfer of a line from a cache of (`fromSocket`, `fromDie`) to one of
    /// (`toSocket`, `toDie`) requested at `at`: out of the serving die, over the socket links,
    /// into the requester's die. Returns how long it queued.
    mutating func transfer(fromSocket: Int, fromDie: Int, toSocket: Int, toDie: Int, at: UInt64) -> UInt64 {
        guard fromDie != toDie else { return 0 }
        var t = leaveDie(fromDie, at: at)
        t = crossLinks(from: fromSocket, to: toSocket, at: t)
        t = enterDie(toDie, at: t)
        return t - at
    }

    /// Shortest routes between every pair of sockets over the topology's links (all pairs
    /// joined when it lists none); among equal ones, breadth-first in the order links are
    /// listed, so the route is deterministic.
    static func routes(_ t: Topology) -> ([Int32], [Int32]) {
        let n = t.sockets
        var neighbours = [[Int]](repeating: [], count: n)
        if t.socketLinks.isEmpty {
            for a in 0..<n { neighbours[a] = (0..<n).filter { $0 != a } }
        } else {
            for l in t.socketLinks where l.a >= 0 && l.a < n && l.b >= 0 && l.b < n {
                neighbours[l.a].append(l.b); neighbours[l.b].append(l.a)
            }
        }
        var start: [Int32] = [], links: [Int32] = []
        for a in 0..<n {
            // Breadth-first from a: each socket's predecessor on a shortest route.
            var parent = [Int](repeating: -1, count: n)
            parent[a] = a
            var frontier = [a]
            while !frontier.isEmpty {
                var next: [Int] = []
                for u in frontier { for v in neighbours[u] where parent[v] < 0 { parent[v] = u; next.append(v) } }
                frontier = next
            }
            for b in 0..<n {
                start.append(Int32(links.count))
                guard b != a, parent[b] >= 0 else { continue }
                var hops: [Int32] = []
                var v = b
                while v != a { hops.append(Int32(parent[v] * n + v)); v = parent[v] }
                links += hops.reversed()
            }
        }
        start.append(Int32(links.count))
        return (start, links)
    }

    /// A line read from `node` (homed on socket `from`) by a CPU of socket `to` on die `die`,
    /// requested at `at`: returns how long it queued. Remote reads cross the link, then the
    /// controller; on machines with die links, the line then crosses the reader's.
    mutating func read(node: Int, from: Int, to: Int, die: Int, at: UInt64) -> UInt64 {
        var t = crossLinks(from: from, to: to, at: at)
        if nodeService > 0 {
            let start = Swift.max(t, nodeFreeAt[node])
            nodeFreeAt[node] = start + nodeService
            nodeWaitPs[node] &+= start - t
            t = start
        }
        nodeLines[node] &+= 1
        t = enterDie(die, at: t)
        return t - at
    }

    /// A dirty line written back from a cache of socket `from`, die `die`, to `node` (homed on
    /// socket `home`) at `at`: out of the die, over the links, into the controller. Returns how
    /// long it queued before the controller took it (what the eviction that caused it waits).
    mutating func writeBack(node: Int, home: Int, from: Int, die: Int, at: UInt64) -> UInt64 {
        nodeWritebacks[node] &+= 1
        var t = leaveDie(die, at: at)
        t = crossLinks(from: from, to: home, at: t)
        if nodeService > 0 {
            let start = Swift.max(t, nodeFreeAt[node])
            nodeFreeAt[node] = start + nodeService
            t = start
        }
        return t - at
    }
}

/// The coherence messages that cross socket links besides data (`CoherenceSpec.packets`).
public enum LinkMessage: Int, Sendable, CaseIterable {
    /// A miss from the requester to the line's home.
    case request
    /// Broadcast snooping: the home asks every other socket.
    case probe
    /// A probed socket without the data answers the requester.
    case probeResponse
    /// A directory sends the request on to the socket holding the line.
    case forward
    /// A write's invalidation of another socket's copies, and its acknowledgement.
    case invalidation
    case ack

    var isResponse: Bool { self == .probeResponse || self == .ack }

    public var name: String {
        switch self {
        case .request: return "request"
        case .probe: return "probe"
        case .probeResponse: return "probe_response"
        case .forward: return "forward"
        case .invalidation: return "invalidation"
        case .ack: return "ack"
        }
    }
}

/// What a memory controller or a link carried.
public struct ServerStats: Sendable {
    public var name: String
    public var lines: UInt64
    public var writebacks: UInt64
    /// Control packets (links only).
    public var controlPackets: UInt64 = 0
    public var waitPs: UInt64
    /// Busy fraction of the time it could have worked.
    public var utilization: Double
}
