/// Where two hardware threads are relative to each other; selects latencies.
public enum Distance: Int, CaseIterable, Sendable, Comparable {
    /// The same hardware thread.
    case same = 0
    /// SMT siblings: two threads of one core, sharing its private caches.
    case smt
    /// Different cores sharing a cluster's last-level cache (an AMD CCX).
    /// On machines without clusters this level does not occur.
    case cluster
    /// Different clusters of one die (AMD CCD, two CCXs on Rome).
    /// On machines without dies this level does not occur.
    case die
    /// Different cores (or dies) of one socket.
    case socket
    /// Different sockets.
    case remote

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    /// Name used in scenario files and results.
    public var name: String {
        switch self {
        case .same: "same"
        case .smt: "smt"
        case .cluster: "cluster"
        case .die: "die"
        case .socket: "socket"
        case .remote: "remote"
        }
    }
}

/// Sockets, cores, SMT threads, core clusters and NUMA nodes, with Linux's CPU numbering.
///
/// Linux enumerates a multi-socket SMT machine socket by socket for the first
/// thread of every core, then again for the second threads (checked on the
/// calibration matrices): logical CPU `i` lives on socket `(i / C) % S`,
/// physical core `i % (S*C)` and thread `i / (S*C)`, where `S` is the socket
/// count and `C` the cores per socket.
public struct Topology: Hashable, Sendable {
    public var sockets: Int
    public var coresPerSocket: Int
    public var threadsPerCore: Int
    /// Cores that share one last-level cache (AMD CCX); `coresPerSocket` when the LLC is per socket.
    public var coresPerCluster: Int
    /// Cores per die (AMD CCD); `coresPerSocket` on monolithic dies.
    public var coresPerDie: Int
    /// NUMA nodes per socket (1 unless a machine is set to NPS2/NPS4 or sub-NUMA clustering).
    public var numaNodesPerSocket: Int
    /// Point-to-point links between sockets (HyperTransport, QPI/UPI), as pairs of socket
    /// indices. Empty: every socket is linked to every other (one hop apart).
    public var socketLinks: [SocketLink] = []

    public init(sockets: Int, coresPerSocket: Int, threadsPerCore: Int, coresPerCluster: Int? = nil, coresPerDie: Int? = nil,
                numaNodesPerSocket: Int = 1) {
        self.sockets = sockets
        self.coresPerSocket = coresPerSocket
        self.threadsPerCore = threadsPerCore
        self.coresPerCluster = coresPerCluster ?? coresPerSocket
        self.coresPerDie = coresPerDie ?? coresPerSocket
        self.numaNodesPerSocket = numaNodesPerSocket
    }

    public var cpuCount: Int { sockets * coresPerSocket * threadsPerCore }
    public var coreCount: Int { sockets * coresPerSocket }
    public var numaNodeCount: Int { sockets * numaNodesPerSocket }

    /// Socket of logical CPU `cpu`.
    @inlinable public func socket(of cpu: Int) -> Int { (cpu / coresPerSocket) % sockets }
    /// Machine-wide physical core index of logical CPU `cpu`.
    @inlinable public func core(of cpu: Int) -> Int { cpu % (sockets * coresPerSocket) }
    /// SMT thread index (0 or 1 on 2-way SMT) of logical CPU `cpu`.
    @inlinable public func thread(of cpu: Int) -> Int { cpu / (sockets * coresPerSocket) }
    /// Core index within its socket.
    @inlinable public func coreInSocket(of cpu: Int) -> Int { core(of: cpu) % coresPerSocket }
    /// Machine-wide cluster (shared-LLC group) index.
    @inlinable public func cluster(of cpu: Int) -> Int {
        socket(of: cpu) * clustersPerSocket + coreInSocket(of: cpu) / coresPerCluster
    }
    public var clustersPerSocket: Int { (coresPerSocket + coresPerCluster - 1) / coresPerCluster }
    /// Machine-wide die index.
    @inlinable public func die(of cpu: Int) -> Int {
        socket(of: cpu) * ((coresPerSocket + coresPerDie - 1) / coresPerDie) + coreInSocket(of: cpu) / coresPerDie
    }
    /// NUMA node of logical CPU `cpu` (nodes split a socket's cores evenly).
    @inlinable public func numaNode(of cpu: Int) -> Int {
        let perNode = Swift.max(1, coresPerSocket / numaNodesPerSocket)
        return socket(of: cpu) * numaNodesPerSocket + Swift.min(numaNodesPerSocket - 1, coreInSocket(of: cpu) / perNode)
    }
    /// Socket that NUMA node `node` belongs to.
    public func socket(ofNode node: Int) -> Int { node / numaNodesPerSocket }

    /// All logical CPUs of a socket, in Linux order.
    public func cpus(ofSocket s: Int) -> [Int] {
        (0..<cpuCount).filter { socket(of: $0) == s }
    }

    /// Relative position of two logical CPUs.
    @inlinable
    public func distance(_ a: Int, _ b: Int) -> Distance {
        if a == b { return .same }
        if socket(of: a) != socket(of: b) { return .remote }
        if core(of: a) == core(of: b) { return .smt }
        if coresPerCluster < coresPerSocket && cluster(of: a) == cluster(of: b) { return .cluster }
        if coresPerDie < coresPerSocket && die(of: a) == die(of: b) { return .die }
        return .socket
    }

    /// Links on the shortest path between every pair of sockets, row-major (`a * sockets + b`).
    /// Fully connected without `socketLinks`; unreachable pairs (an invalid link list) get `sockets`.
    public func socketHops() -> [Int] {
        let n = sockets
        if socketLinks.isEmpty { return (0..<n * n).map { $0 / n == $0 % n ? 0 : 1 } }
        var neighbours = [[Int]](repeating: [], count: n)
        for l in socketLinks where l.a >= 0 && l.a < n && l.b >= 0 && l.b < n {
            neighbours[l.a].append(l.b); neighbours[l.b].append(l.a)
        }
        var hops = [Int](repeating: n, count: n * n)
        for s in 0..<n {  // breadth-first from every socket
            hops[s * n + s] = 0
            var frontier = [s]
            while !frontier.isEmpty {
                var next: [Int] = []
                for u in frontier {
                    for v in neighbours[u] where hops[s * n + v] == n {
                        hops[s * n + v] = hops[s * n + u] + 1
                        next.append(v)
                    }
                }
                frontier = next
            }
        }
        return hops
    }

    /// Problems with the shape, as readable sentences (empty when valid).
    public func problems() -> [String] {
        var out: [String] = []
        if sockets < 1 { out.append("sockets must be at least 1") }
        if coresPerSocket < 1 { out.append("cores_per_socket must be at least 1") }
        if threadsPerCore < 1 || threadsPerCore > 8 { out.append("threads_per_core must be between 1 and 8") }
        if coresPerCluster < 1 || coresPerCluster > coresPerSocket { out.append("cores_per_cluster must be between 1 and cores_per_socket") }
        if coresPerDie < coresPerCluster || coresPerDie > coresPerSocket || coresPerDie % max(1, coresPerCluster) != 0 {
            out.append("cores_per_die must be a multiple of cores_per_cluster and at most cores_per_socket")
        }
        if numaNodesPerSocket < 1 || numaNodesPerSocket > Swift.max(1, coresPerSocket) { out.append("numa_nodes_per_socket must be between 1 and cores_per_socket") }
        if out.isEmpty && cpuCount > 65_536 { out.append("at most 65536 logical CPUs are supported") }
        if !socketLinks.isEmpty {
            if let bad = socketLinks.first(where: { $0.a < 0 || $0.b < 0 || $0.a >= sockets || $0.b >= sockets || $0.a == $0.b }) {
                out.append("socket link \(bad.a)-\(bad.b) must join two different sockets between 0 and \(sockets - 1)")
            } else if socketHops().contains(sockets) {
                out.append("socket links leave some sockets unreachable from others")
            }
        }
        return out
    }
}

/// A point-to-point link between two sockets.
public struct SocketLink: Hashable, Sendable {
    public var a: Int
    public var b: Int
    public init(_ a: Int, _ b: Int) { self.a = a; self.b = b }
}
