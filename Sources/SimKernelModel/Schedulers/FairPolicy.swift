import SimMachine

/// Virtual runtime: CPU time scaled by 1024 / weight, in picoseconds.
@inline(__always)
func virtualTime(_ t: Picoseconds, weight: UInt64) -> UInt64 {
    UInt64(truncatingIfNeeded: UInt128(t.raw) * 1024 / UInt128(max(1, weight)))
}

/// CFS-like weighted fair scheduling (Linux's CFS before 6.6, simplified).
///
/// Each task accrues virtual runtime at 1024/weight of real time; the task with the least
/// runs next. At a tick the running task gives way when it has run at least its slice
/// (`latency` × its share of the queue's weight, at least `minGranularity`) and its
/// virtual runtime has passed the queue's least. New and woken tasks start no earlier
/// than the CPU's minimum virtual runtime, so sleeping earns no unbounded credit.
/// Simplifications: per-CPU queues scanned linearly; no wake-up preemption, no groups.
public struct FairPolicy: SchedulingPolicy {
    static let latency = Picoseconds(us: 6_000)         // sysctl_sched_latency
    static let minGranularity = Picoseconds(us: 750)    // sysctl_sched_min_granularity

    let weights: [UInt64]
    var vruntime: [UInt64]
    var queues: [[Int]]
    var minVruntime: [UInt64]

    public init(cpuCount: Int, weights: [UInt64]) {
        self.weights = weights
        vruntime = Array(repeating: 0, count: weights.count)
        queues = Array(repeating: [], count: cpuCount)
        minVruntime = Array(repeating: 0, count: cpuCount)
    }

    public mutating func enqueue(task: Int, cpu: Int) {
        vruntime[task] = max(vruntime[task], minVruntime[cpu])
        queues[cpu].append(task)
    }

    public mutating func pickNext(cpu: Int) -> Int? {
        guard let i = leftmost(cpu) else { return nil }
        let t = queues[cpu].remove(at: i)
        minVruntime[cpu] = max(minVruntime[cpu], vruntime[t])
        return t
    }

    public mutating func charge(task: Int, ran: Picoseconds) {
        vruntime[task] &+= virtualTime(ran, weight: weights[task])
    }

    public func shouldPreempt(cpu: Int, running: Int, ranFor: Picoseconds) -> Bool {
        guard let i = leftmost(cpu) else { return false }
        let total = queues[cpu].reduce(weights[running]) { $0 + weights[$1] }
        let share = Double(weights[running]) / Double(max(1, total))
        let slice = max(Self.minGranularity.raw, UInt64(Double(Self.latency.raw) * share))
        let current = vruntime[running] &+ virtualTime(ranFor, weight: weights[running])
        return ranFor.raw >= slice && current > vruntime[queues[cpu][i]]
    }

    public func hasWaiting(cpu: Int) -> Bool { !queues[cpu].isEmpty }

    /// Index of the queued task with the least virtual runtime (lowest id on ties).
    func leftmost(_ cpu: Int) -> Int? {
        var best: Int?
        for (i, t) in queues[cpu].enumerated() {
            if let b = best {
                let bt = queues[cpu][b]
                if vruntime[t] < vruntime[bt] || (vruntime[t] == vruntime[bt] && t < bt) { best = i }
            } else {
                best = i
            }
        }
        return best
    }
}
