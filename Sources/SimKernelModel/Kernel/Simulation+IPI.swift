import SimCPU
import SimMachine

extension Simulation {
    /// Sends `vector` to the CPUs of `ipiSets[set]` from `c`, starting at `t`; returns when
    /// the sender is done writing the interrupt command register. Each write costs
    /// `apic.send`; each target's interrupt arrives its delivery latency after the write
    /// that names it. Physical mode writes once per CPU, cluster mode once per logical
    /// cluster (the set is sorted by cluster), a shorthand once.
    mutating func sendGroup(from c: Int, set: Int, addressing: IPIAddressing, vector: UInt8, at start: Picoseconds) -> Picoseconds {
        var t = start
        var lastCluster: Int32 = -1
        var wrote = false
        for target in ipiSets[set] {
            let write: Bool
            switch addressing {
            case .physical: write = true
            case .cluster: write = apic.clusterOf[target] != lastCluster
            case .shorthand: write = !wrote
            }
            if write {
                t += apic.spec.send
                apic.countSend(from: c)
                wrote = true
                lastCluster = apic.clusterOf[target]
            }
            queue.push(at: t + apic.deliver(from: c, to: target), target: Int32(target), kind: EventKind.ipiArrive.rawValue,
                       tag: UInt16(vector), payload: start.raw)
            ipiTargeted &+= 1
        }
        return t
    }

    /// The CPUs an `ipi-broadcast` workload on CPU `sender` of kernel `k` sends to, sorted by
    /// logical cluster: the first `count` other CPUs of the kernel, or for a shorthand every
    /// other CPU of the machine.
    func broadcastTargets(sender: Int, kernel k: Int, count: Int?, addressing: IPIAddressing) -> [Int] {
        let pool = addressing == .shorthand ? Array(0..<cpus.count) : kernels[k].config.cpus
        var others = pool.filter { $0 != sender }
        if addressing != .shorthand, let count { others = Array(others.prefix(count)) }
        return others.sorted { (apic.clusterOf[$0], $0) < (apic.clusterOf[$1], $1) }
    }
}
