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
        guard !targets.isEmpty, ipis.sets.count < Int(UInt16.max) else {
            throw ConfigurationError("workload '\(name)': an IPI broadcast needs at least one other CPU", about: .workload(name))
        }
        guard !cpus.indices.contains(where: { cpus[$0].roles.broadcastAck >= 0 }) else {
            throw ConfigurationError("workload '\(name)': one IPI-broadcasting workload per machine", about: .workload(name))
        }
        let kc = config.kernels[k]
        let ack = directory.allocate(name: "\(name)[\(kc.name)].acks", home: kc.memoryNode)
        for target in targets {
            cpus[target].roles.broadcastAck = ack
            cpus[target].roles.broadcastHandling = handling
        }
        ipis.sets.append(targets)
        return .ipiBroadcast(set: UInt16(ipis.sets.count - 1), addressing: addressing, vector: Vectors.broadcast,
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

    /// Barrelfish's work around the protocol's messages (`ShootdownDesign.barrelfish`).
    mutating func applyBarrelfish(_ costs: BarrelfishCosts, to roles: inout [ShootdownRole], workload name: String) throws(ConfigurationError) {
        let f = config.machine.frequency
        guard let lrpc = costs.lrpcCycles ?? BarrelfishCosts.publishedLRPC(machine: config.machine.name) else {
            throw ConfigurationError("workload '\(name)': design barrelfish needs `lrpc` (the same-core LRPC round trip) on machine '\(config.machine.name)': the calibration has it for opteron-8x4 and intel-2x4-2009 only", about: .workload(name))
        }
        for i in roles.indices {
            roles[i].stub = f.duration(cycles: costs.stubCycles)
            roles[i].driverCall = f.duration(cycles: costs.driverCallCycles)
            if roles[i].request < 0 {  // the initiator: the user's call into its monitor
                roles[i].call = f.duration(cycles: lrpc / 2)
                roles[i].returnFromCall = f.duration(cycles: lrpc - lrpc / 2)
                roles[i].mapping = f.duration(cycles: costs.capabilityCycles)
            }
        }
    }
}

/// TLB shootdown inside a syscall path (`tlb_shootdown` steps, as in munmap and mprotect):
/// the SMP kernel's flush of one address space — a workload's tasks on one kernel — on the
/// other CPUs in its CPU mask. Each CPU running one of its threads gets a request in its
/// queue and an IPI; its handler invalidates and adds one to the initiator's acknowledgement
/// line, which the initiator spins on until all have. A CPU in lazy TLB mode (idle, the
/// address space still loaded since its thread there last ran) is skipped unless the path
/// freed page tables; it owes a full flush at its next switch to the address space (x86
/// Linux's `should_flush_tlb` and the `tlb_gen` check in `switch_mm_irqs_off`).
extension Simulation {
    /// `tasks[t].phase` of a shootdown frame: scanning the CPUs (lazy ones skipped, or
    /// interrupted too), or waiting for the acknowledgements.
    private enum ShootdownPhase {
        static let scanSkippingLazy: UInt8 = 0
        static let waiting: UInt8 = 1
        static let scanWithLazy: UInt8 = 2
    }

    mutating func beginShootdownFrame(task: Int, invalidate: Picoseconds, lazyToo: Bool) {
        tasks[task].frame.kind = .tlbShootdown
        tasks[task].frame.phase = lazyToo ? ShootdownPhase.scanWithLazy : ShootdownPhase.scanSkippingLazy
        tasks[task].frame.scratch = 0                // the next of the kernel's CPUs to look at
        tasks[task].frame.scratch2 = invalidate.raw  // each target's invalidation
        kernels[tasks[task].kernel].stats.tlb.shootdowns &+= 1
    }

    mutating func shootdownOp(task: Int, cpu c: Int) -> Operation {
        let k = tasks[task].kernel, w = tasks[task].workload, space = tasks[task].process
        let kcpus = kernels[k].config.cpus
        if tasks[task].frame.phase != ShootdownPhase.waiting {
            let lazyToo = tasks[task].frame.phase == ShootdownPhase.scanWithLazy
            let invalidate = Picoseconds(tasks[task].frame.scratch2)
            var i = Int(tasks[task].frame.scratch)
            while i < kcpus.count {
                let other = kcpus[i]
                i += 1
                guard other != c, cpus[other].kernel == k, !cpus[other].halted else { continue }
                let t = cpus[other].task
                if t < 0 {
                    // Idle: in the mask only if the address space is still loaded there.
                    let last = cpus[other].lastTask
                    guard last >= 0, tasks[last].workload == w, tasks[last].kernel == k, tasks[last].process == space else { continue }
                    if !lazyToo {
                        kernels[k].stats.tlb.lazySkipped &+= 1
                        tlb.lazyFlushOwed[other] = (workload: Int32(w), process: space, cost: max(tlb.lazyFlushOwed[other].cost, invalidate))
                        continue
                    }
                } else if tasks[t].workload != w || tasks[t].process != space {
                    continue
                }
                tasks[task].frame.scratch = UInt64(i)
                tasks[task].messaging.repliesAsked += 1
                kernels[k].stats.tlb.interrupted &+= 1
                tlb.requests[other].append((ack: tasks[task].messaging.replyLine, invalidate: invalidate))
                return .sendIPI(cpu: Int32(other), vector: Vectors.tlbShootdown)
            }
            tasks[task].frame.phase = ShootdownPhase.waiting  // every target asked: wait for them (or nothing to wait for)
        }
        return .spinUntil(tasks[task].messaging.replyLine, mask: .max, equals: tasks[task].messaging.repliesAsked)
    }

    /// Before `next` runs on `c`: a full TLB flush the CPU owes its address space, if any.
    mutating func lazyFlush(before next: Int, cpu c: Int) -> Picoseconds {
        let owed = tlb.lazyFlushOwed[c]
        guard owed.workload >= 0 else { return .zero }
        if owed.workload == Int32(tasks[next].workload) && owed.process == tasks[next].process {
            tlb.lazyFlushOwed[c] = (workload: -1, process: -1, cost: .zero)
            kernels[tasks[next].kernel].stats.tlb.flushesOnSwitch &+= 1
            return owed.cost
        }
        return .zero
    }
}

extension Simulation {
    /// The TLB shootdown vector's handler: invalidate for the request at the head of this
    /// CPU's queue, then acknowledge it (nil: the queue is empty).
    func shootdownHandlerOp(_ c: Int, phase: UInt8) -> Operation? {
        guard let head = tlb.requests[c].first else { return nil }
        return phase == 0 ? .delay(head.invalidate) : .fetchAdd(head.ack, 1)
    }

    /// Invalidate, acknowledge, then the next request queued here (one IPI can carry several).
    @inline(never)
    mutating func shootdownHandlerFinish(_ c: Int) {
        if cpus[c].handler.handlerPhase == 0 { cpus[c].handler.handlerPhase = 1 } else {
            tlb.requests[c].removeFirst()
            cpus[c].handler.handlerPhase = 0
        }
    }
}
