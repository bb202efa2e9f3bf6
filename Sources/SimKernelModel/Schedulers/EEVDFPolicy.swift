import SimMachine

/// EEVDF (Linux 6.6+, simplified): earliest eligible virtual deadline first.
///
/// Each task has a virtual runtime v (CPU time × 1024/weight) and a virtual deadline
/// d = v + slice × 1024/weight when it starts a request. A task is eligible when its
/// lag is not negative: v ≤ V, the weighted average of v over the CPU's tasks. The
/// eligible task with the earliest deadline runs; at a tick the running task gives way
/// once it has used its request (v ≥ d), and gets a new deadline. New tasks join at V
/// (zero lag). Simplifications: per-CPU queues scanned linearly, one base slice for all
/// tasks (no per-task request sizes yet), no wake-up preemption.
public struct EEVDFPolicy: SchedulingPolicy {
    static let baseSlice = Picoseconds(us: 750)  // sysctl_sched_base_slice

    let weights: [UInt64]
    var vruntime: [UInt64]
    var deadline: [UInt64]
    var started: [Bool]
    var queues: [[Int]]
    /// The task each CPU runs, which counts in its average but is not queued.
    var current: [Int]

    public init(cpuCount: Int, weights: [UInt64]) {
        self.weights = weights
        vruntime = Array(repeating: 0, count: weights.count)
        deadline = Array(repeating: 0, count: weights.count)
        started = Array(repeating: false, count: weights.count)
        queues = Array(repeating: [], count: cpuCount)
        current = Array(repeating: -1, count: cpuCount)
    }

    /// V: the weighted average virtual runtime of the CPU's tasks (queued and running).
    func average(_ cpu: Int) -> UInt64? {
        var sum: UInt128 = 0, total: UInt128 = 0
        for t in queues[cpu] + (current[cpu] >= 0 ? [current[cpu]] : []) {
            sum += UInt128(vruntime[t]) * UInt128(weights[t])
            total += UInt128(weights[t])
        }
        return total == 0 ? nil : UInt64(truncatingIfNeeded: sum / total)
    }

    public mutating func enqueue(task: Int, cpu: Int) {
        if current[cpu] == task { current[cpu] = -1 }
        if !started[task] {
            started[task] = true
            vruntime[task] = average(cpu) ?? 0
            deadline[task] = vruntime[task] &+ virtualTime(Self.baseSlice, weight: weights[task])
        }
        queues[cpu].append(task)
    }

    public mutating func pickNext(cpu: Int) -> Int? {
        guard !queues[cpu].isEmpty else { current[cpu] = -1; return nil }
        let v = average(cpu) ?? 0
        var best: Int?
        for (i, t) in queues[cpu].enumerated() where vruntime[t] <= v {
            if let b = best {
                let bt = queues[cpu][b]
                if deadline[t] < deadline[bt] || (deadline[t] == deadline[bt] && t < bt) { best = i }
            } else {
                best = i
            }
        }
        // Some task is always eligible (they cannot all be above their own average); guard anyway.
        let i = best ?? 0
        let t = queues[cpu].remove(at: i)
        current[cpu] = t
        return t
    }

    public mutating func charge(task: Int, ran: Picoseconds) {
        vruntime[task] &+= virtualTime(ran, weight: weights[task])
        if vruntime[task] >= deadline[task] {
            deadline[task] = vruntime[task] &+ virtualTime(Self.baseSlice, weight: weights[task])
        }
        for c in current.indices where current[c] == task { current[c] = -1 }
    }

    public func shouldPreempt(cpu: Int, running: Int, ranFor: Picoseconds) -> Bool {
        guard !queues[cpu].isEmpty else { return false }
        return vruntime[running] &+ virtualTime(ranFor, weight: weights[running]) >= deadline[running]
    }

    public func hasWaiting(cpu: Int) -> Bool { !queues[cpu].isEmpty }
}
