/// Memory controllers (one server per NUMA node) and inter-socket links (one server per
/// direction of each link) with finite bandwidth: a line transfer occupies a server for
/// line size / bandwidth, and waits while the server is busy with earlier ones. That
/// queueing is what makes bandwidth-bound workloads flatten (docs/model.md). Between
/// sockets that no link joins (`socket_links`), a line crosses every link of a shortest
/// route and loads each of them.
struct MemoryServers: Sendable {
    let sockets: Int
    /// Picoseconds one 64-byte line occupies a node's controllers, and a link.
    let nodeService: UInt64
    let linkService: UInt64
    var nodeFreeAt: [UInt64]
    var linkFreeAt: [UInt64]
    /// Each die's link from the rest of its socket (0: none), with what it carried.
    let dieService: UInt64
    var dieFreeAt: [UInt64]
    var dieLines: [UInt64]
    var dieWaitPs: [UInt64]
    // Statistics.
    var nodeLines: [UInt64]
    var nodeWaitPs: [UInt64]
    var nodeWritebacks: [UInt64]
    var linkLines: [UInt64]
    var linkWaitPs: [UInt64]
    /// The links (as `from * sockets + to`) a line crosses from socket a to socket b: entries
    /// `routeStart[a * sockets + b] ..< routeStart[a * sockets + b + 1]` of `routeLinks`.
    let routeStart: [Int32]
    let routeLinks: [Int32]

    init(memory: MemorySpec, topology t: Topology, lineBytes: Int = 64) {
        sockets = t.sockets
        func service(_ bytesPerSecond: UInt64) -> UInt64 {
            bytesPerSecond == 0 ? 0 : UInt64((Double(lineBytes) * 1e12 / Double(bytesPerSecond)).rounded())
        }
        nodeService = service(memory.bandwidthLocal)
        linkService = service(memory.bandwidthRemote)
        nodeFreeAt = Array(repeating: 0, count: t.numaNodeCount)
        nodeLines = nodeFreeAt
        nodeWaitPs = nodeFreeAt
        nodeWritebacks = nodeFreeAt
        linkFreeAt = Array(repeating: 0, count: t.sockets * t.sockets)
        linkLines = linkFreeAt
        linkWaitPs = linkFreeAt
        (routeStart, routeLinks) = Self.routes(t)
        dieService = service(memory.bandwidthDie)
        let dies = t.sockets * ((t.coresPerSocket + t.coresPerDie - 1) / t.coresPerDie)
        dieFreeAt = Array(repeating: 0, count: dieService > 0 ? dies : 0)
        dieLines = dieFreeAt
        dieWaitPs = dieFreeAt
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
        var t = at
        if from != to && linkService > 0 {
            let pair = from * sockets + to
            for r in Int(routeStart[pair])..<Int(routeStart[pair + 1]) {
                let link = Int(routeLinks[r])
                let start = Swift.max(t, linkFreeAt[link])
                linkFreeAt[link] = start + linkService
                linkLines[link] &+= 1
                linkWaitPs[link] &+= start - t
                t = start
            }
        }
        if nodeService > 0 {
            let start = Swift.max(t, nodeFreeAt[node])
            nodeFreeAt[node] = start + nodeService
            nodeWaitPs[node] &+= start - t
            t = start
        }
        nodeLines[node] &+= 1
        if dieService > 0 {
            let start = Swift.max(t, dieFreeAt[die])
            dieFreeAt[die] = start + dieService
            dieLines[die] &+= 1
            dieWaitPs[die] &+= start - t
            t = start
        }
        return t - at
    }

    /// A dirty line written back to `node` at `at`: it takes controller time, and nobody waits.
    mutating func writeBack(node: Int, at: UInt64) {
        nodeWritebacks[node] &+= 1
        guard nodeService > 0 else { return }
        nodeFreeAt[node] = Swift.max(at, nodeFreeAt[node]) + nodeService
    }
}

/// What a memory controller or a link carried.
public struct ServerStats: Sendable {
    public var name: String
    public var lines: UInt64
    public var writebacks: UInt64
    public var waitPs: UInt64
    /// Busy fraction of the time it could have worked.
    public var utilization: Double
}
