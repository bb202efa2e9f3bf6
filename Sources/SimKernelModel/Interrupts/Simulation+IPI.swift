import SimCPU
import SimMachine

extension Simulation {
    /// Sends `vector` to the CPUs of `ipiSets[set]` from `c`, starting at `t`; returns when
    /// the sender is done writing the interrupt command register. Physical mode writes once
    /// per CPU, cluster mode once per logical cluster (the set is sorted by cluster), a
    /// shorthand once. Each write costs `apic.send` (in xAPIC mode more when it names a CPU on
    /// another socket); the CPUs it names get the interrupt their delivery latency after it.
    mutating func sendGroup(from c: Int, set: Int, addressing: IPIAddressing, vector: UInt8, at start: Picoseconds) -> Picoseconds {
        let targets = ipis.sets[set]
        var t = start
        var first = 0
        while first < targets.count {
            // The targets one ICR write names: targets[first..<end].
            var end = first + 1
            switch addressing {
            case .physical: break
            case .cluster: while end < targets.count && apic.clusterOf[targets[end]] == apic.clusterOf[targets[first]] { end += 1 }
            case .shorthand: end = targets.count
            }
            t += apic.spec.sendCost(remote: targets[first..<end].contains { apic.crossSocket(c, $0) })
            apic.countSend(from: c)
            for target in targets[first..<end] {
                queue.push(at: t + apic.deliver(from: c, to: target), target: Int32(target), kind: EventKind.ipiArrive.rawValue,
                           tag: UInt16(vector), payload: start.raw)
                ipis.targeted &+= 1
                observe(.ipiSent(from: c, to: target, vector: vector), at: start)
            }
            first = end
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
