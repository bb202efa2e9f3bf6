import SimCPU
import SimMachine
import SimWorkloads

/// TLB shootdown workloads: the SMP kernel's IPIs, or messages between per-CPU kernels
/// (Barrelfish's replicated page tables, kept consistent by its monitors), by protocol.
extension Simulation {
    /// An IPI-broadcast generator from `sender` to `targets`, whose handlers spend
    /// `handling` and count an acknowledgement on a shared line.
    mutating func broadcastKind(workload name: String, kernel k: Int, targets: [Int], addressing: IPIAddressing,
                                handling: Picoseconds) throws(ConfigurationError) -> GeneratorKind {
        guard !targets.isEmpty, ipiSets.count < Int(UInt16.max) else {
            throw ConfigurationError("workload '\(name)': an IPI broadcast needs at least one other CPU")
        }
        guard !cpus.indices.contains(where: { cpus[$0].broadcastAck >= 0 }) else {
            throw ConfigurationError("workload '\(name)': one IPI-broadcasting workload per machine")
        }
        let kc = config.kernels[k]
        let ack = directory.allocate(name: "\(name)[\(kc.name)].acks", home: kc.memoryNode)
        for target in targets {
            cpus[target].broadcastAck = ack
            cpus[target].broadcastHandling = handling
        }
        ipiSets.append(targets)
        return .ipiBroadcast(set: UInt16(ipiSets.count - 1), addressing: addressing, vector: Vectors.broadcast,
                             ackLine: ack, targets: UInt64(targets.count))
    }

    /// Roles of the CPUs of `span` (the first is the initiator) in a message shootdown.
    /// Request lines live in the sender's memory, or the receiver's for NUMA-aware
    /// multicast; acknowledgement lines in the memory of whoever waits for them.
    mutating func shootdownRoles(span: [Int], protocol proto: ShootdownProtocol, invalidate: Picoseconds,
                                 workload name: String) -> [ShootdownRole] {
        let topo = config.machine.topology
        let node = { (cpu: Int) in topo.numaNode(of: cpu) }
        let initiator = span[0]
        var roles = span.map { _ in ShootdownRole(request: -1, ack: -1, sends: [], waits: [], invalidate: invalidate) }
        let index = Dictionary(uniqueKeysWithValues: span.enumerated().map { ($1, $0) })
        func line(_ what: String, _ cpu: Int, home: Int) -> LineID {
            directory.allocate(name: "\(name).\(what)[cpu\(cpu)]", home: home)
        }
        /// `parent` sends a request to `child` and waits for its acknowledgement.
        func link(_ parent: Int, _ child: Int) {
            let (p, c) = (index[parent]!, index[child]!)
            let request = line("request", child, home: node(proto == .numaMulticast ? child : parent))
            let ack = line("ack", child, home: node(parent))
            roles[c].request = request
            roles[c].ack = ack
            roles[p].sends.append(request)
            roles[p].waits.append(ack)
        }
        switch proto {
        case .ipi:
            return []
        case .unicast:
            for cpu in span.dropFirst() { link(initiator, cpu) }
        case .broadcast:
            let shared = line("request", initiator, home: node(initiator))
            roles[0].sends = [shared]
            for (i, cpu) in span.enumerated().dropFirst() {
                roles[i].request = shared
                roles[i].ack = line("ack", cpu, home: node(initiator))
                roles[0].waits.append(roles[i].ack)
            }
        case .multicast, .numaMulticast:
            // One aggregator per other socket (its first CPU in the span); the initiator
            // serves its own socket directly.
            let home = topo.socket(of: initiator)
            var bySocket: [Int: [Int]] = [:]
            for cpu in span.dropFirst() { bySocket[topo.socket(of: cpu), default: []].append(cpu) }
            var remote = bySocket.keys.filter { $0 != home }.sorted()
            if proto == .numaMulticast {
                // Farthest first: their round trips are longest, so they start first.
                let hops = topo.socketHops()
                remote.sort { (hops[home * topo.sockets + $0], -$0) > (hops[home * topo.sockets + $1], -$1) }
                for s in remote { link(initiator, bySocket[s]![0]) }
                for cpu in bySocket[home] ?? [] { link(initiator, cpu) }
            } else {
                for cpu in bySocket[home] ?? [] { link(initiator, cpu) }
                for s in remote { link(initiator, bySocket[s]![0]) }
            }
            for s in remote {
                let members = bySocket[s]!
                for cpu in members.dropFirst() { link(members[0], cpu) }
            }
        }
        return roles
    }
}
