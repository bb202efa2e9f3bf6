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

/// TLB shootdown inside a syscall path (`tlb_shootdown` steps, as in munmap): the SMP
/// kernel's flush of one address space — a workload's tasks on one kernel — on the other
/// CPUs running its threads now (an approximation of Linux's mm_cpumask, which also keeps
/// CPUs that ran the address space lately). Each gets a request in its queue and an IPI;
/// its handler invalidates and adds one to the initiator's acknowledgement line, which the
/// initiator spins on until all have.
extension Simulation {
    mutating func beginShootdownFrame(task: Int, invalidate: Picoseconds) {
        tasks[task].frame = .tlbShootdown
        tasks[task].phase = 0
        tasks[task].scratch = 0                // the next of the kernel's CPUs to look at
        tasks[task].scratch2 = invalidate.raw  // each target's invalidation
    }

    mutating func shootdownOp(task: Int, cpu c: Int) -> Operation {
        let k = tasks[task].kernel, w = tasks[task].workload
        let kcpus = kernels[k].config.cpus
        if tasks[task].phase == 0 {
            var i = Int(tasks[task].scratch)
            while i < kcpus.count {
                let other = kcpus[i]
                i += 1
                let t = cpus[other].task
                guard other != c, t >= 0, cpus[other].kernel == k, tasks[t].workload == w else { continue }
                tasks[task].scratch = UInt64(i)
                tasks[task].repliesAsked += 1
                shootdownRequests[other].append((ack: tasks[task].replyLine, invalidate: Picoseconds(tasks[task].scratch2)))
                return .sendIPI(cpu: Int32(other), vector: Vectors.tlbShootdown)
            }
            tasks[task].phase = 1  // every target asked: wait for them (or nothing to wait for)
        }
        return .spinUntil(tasks[task].replyLine, mask: .max, equals: tasks[task].repliesAsked)
    }
}
