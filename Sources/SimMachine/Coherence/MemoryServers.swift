/// Memory controllers (one server per NUMA node) and inter-socket links (one server per
/// direction of each socket pair) with finite bandwidth: a line transfer occupies a server
/// for line size / bandwidth, and waits while the server is busy with earlier ones. That
/// queueing is what makes bandwidth-bound workloads flatten (docs/model.md).
struct MemoryServers: Sendable {
    let sockets: Int
    /// Picoseconds one 64-byte line occupies a node's controllers, and a link.
    let nodeService: UInt64
    let linkService: UInt64
    var nodeFreeAt: [UInt64]
    var linkFreeAt: [UInt64]
    // Statistics.
    var nodeLines: [UInt64]
    var nodeWaitPs: [UInt64]
    var nodeWritebacks: [UInt64]
    var linkLines: [UInt64]
    var linkWaitPs: [UInt64]

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
    }

    /// A line read from `node` (homed on socket `from`) by a CPU of socket `to`, requested at
    /// `at`: returns how long it queued. Remote reads cross the link, then the controller.
    mutating func read(node: Int, from: Int, to: Int, at: UInt64) -> UInt64 {
        var t = at
        if from != to && linkService > 0 {
            let link = from * sockets + to
            let start = Swift.max(t, linkFreeAt[link])
            linkFreeAt[link] = start + linkService
            linkLines[link] &+= 1
            linkWaitPs[link] &+= start - t
            t = start
        }
        if nodeService > 0 {
            let start = Swift.max(t, nodeFreeAt[node])
            nodeFreeAt[node] = start + nodeService
            nodeWaitPs[node] &+= start - t
            t = start
        }
        nodeLines[node] &+= 1
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
