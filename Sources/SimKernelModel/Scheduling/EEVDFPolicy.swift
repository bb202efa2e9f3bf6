import SimMachine

/// EEVDF (Linux 6.6+, simplified): earliest eligible virtual deadline first.
///
/// Each task has a virtual runtime v (CPU time × 1024/weight) and a virtual deadline
/// d = v + slice × 1024/weight when it starts a request. A task is eligible when its
/// lag is not negative: v ≤ V, the weighted average of v over the CPU's tasks. The
/// eligible task with the earliest deadline runs; at a tick the running task gives way
/// once it has used its request (v ≥ d), and gets a new deadline. New tasks join at V
/// (zero lag). A task that sleeps or migrates keeps its lag V − v, bounded as Linux bounds
/// it, and rejoins at V − lag; negative lag is worked off while it sleeps on the same CPU
/// as the others advance (Linux 6.12's delayed dequeue). A preempted task stays as it is.
/// A woken task preempts the running one when it is eligible and its deadline is earlier.
/// Requests are the base slice, or a workload's own `slice` (Linux 6.12's sched_attr).
/// Simplifications: per-CPU queues scanned linearly, no run-to-parity.
public struct EEVDFPolicy: SchedulingPolicy {
    static let baseSlice = Picoseconds(us: 750)  // sysctl_sched_base_slice

    let weights: [UInt64]
    var vruntime: [UInt64]
    var deadline: [UInt64]
    var started: [Bool]
    var queues: [[Int]]
    /// The task each CPU runs, which counts in its average but is not queued.
    var current: [Int]
    /// Lag (V − v) of sleeping or migrating tasks, with the CPU and V when it was taken.
    var lag: [Int64?]
    var lagCPU: [Int]
    var lagV: [UInt64]
    /// Lag at the end of the last run, kept if the task then blocks.
    var lastLag: [Int64]

    /// Per task: its request size (sched_attr's sched_runtime since Linux 6.12), zero for the base slice.
    let requests: [Picoseconds]

    func request(_ task: Int) -> Picoseconds { requests[task] > .zero ? requests[task] : Self.baseSlice }

    public init(cpuCount: Int, weights: [UInt64], requests: [Picoseconds] = []) {
        self.weights = weights
        self.requests = requests.count == weights.count ? requests : Array(repeating: .zero, count: weights.count)
        vruntime = Array(repeating: 0, count: weights.count)
        deadline = Array(repeating: 0, count: weights.count)
        started = Array(repeating: false, count: weights.count)
        queues = Array(repeating: [], count: cpuCount)
        current = Array(repeating: -1, count: cpuCount)
        lag = Array(repeating: nil, count: weights.count)
        lagCPU = Array(repeating: -1, count: weights.count)
        lagV = Array(repeating: 0, count: weights.count)
        lastLag = Array(repeating: 0, count: weights.count)
    }

    /// V: the weighted average virtual runtime of the CPU's tasks (queued and running),
    /// counting the running one as if charged `ranFor` more.
    func average(_ cpu: Int, ranFor: Picoseconds = .zero) -> UInt64? {
        var sum: UInt128 = 0, total: UInt128 = 0
        for t in queues[cpu] {
            sum += UInt128(vruntime[t]) * UInt128(weights[t])
            total += UInt128(weights[t])
        }
        let c = current[cpu]
        if c >= 0 {
            sum += UInt128(vruntime[c] &+ virtualTime(ranFor, weight: weights[c])) * UInt128(weights[c])
            total += UInt128(weights[c])
        }
        return total == 0 ? nil : UInt64(truncatingIfNeeded: sum / total)
    }

    /// Linux's bound on a task's lag: max(2 × request, one tick at 1000 Hz), in its virtual time.
    func lagLimit(_ task: Int) -> Int64 {
        Int64(clamping: virtualTime(max(Picoseconds(request(task).raw &* 2), Picoseconds(us: 1_000)), weight: weights[task]))
    }

    public mutating func enqueue(task: Int, cpu: Int) {
        if current[cpu] == task { current[cpu] = -1 }
        if !started[task] {
            started[task] = true
            vruntime[task] = average(cpu) ?? 0
            deadline[task] = vruntime[task] &+ virtualTime(request(task), weight: weights[task])
        } else if var l = lag[task] {
            lag[task] = nil
            if let v = average(cpu) {
                if l < 0 && lagCPU[task] == cpu && v > lagV[task] {
                    l = min(0, l &+ Int64(clamping: v - lagV[task]))
                }
                // Joining moves V towards the task; scale the lag so that it is kept after
                // joining (place_entity: lag × (W + w) / W).
                let others = queues[cpu].reduce(current[cpu] >= 0 ? weights[current[cpu]] : 0) { $0 + weights[$1] }
                if others > 0 { l = Int64(clamping: Int128(l) * Int128(others + weights[task]) / Int128(others)) }
                vruntime[task] = UInt64(max(0, Int64(clamping: v) &- l))
                deadline[task] = vruntime[task] &+ virtualTime(request(task), weight: weights[task])  // a new request
            }
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
            deadline[task] = vruntime[task] &+ virtualTime(request(task), weight: weights[task])
        }
        for c in current.indices where current[c] == task {
            // Its lag, taken while it still counts in V; kept if it blocks.
            let v = average(c) ?? vruntime[task]
            let limit = lagLimit(task)
            lastLag[task] = min(limit, max(-limit, Int64(clamping: Int128(v) - Int128(vruntime[task]))))
            lagCPU[task] = c
            current[c] = -1
            lagV[task] = average(c) ?? v
        }
    }

    public mutating func blocked(task: Int) { lag[task] = lastLag[task] }

    public func preemptsOnWakeup(cpu: Int, running: Int, ranFor: Picoseconds, woken: Int) -> Bool {
        guard let v = average(cpu, ranFor: ranFor) else { return false }
        return vruntime[woken] <= v && deadline[woken] < deadline[running]
    }

    public func shouldPreempt(cpu: Int, running: Int, ranFor: Picoseconds) -> Bool {
        guard !queues[cpu].isEmpty else { return false }
        return vruntime[running] &+ virtualTime(ranFor, weight: weights[running]) >= deadline[running]
    }

    public func hasWaiting(cpu: Int) -> Bool { !queues[cpu].isEmpty }

    /// The movable task with the latest deadline; its lag goes with it.
    public mutating func detach(from cpu: Int, movable: (Int) -> Bool) -> Int? {
        guard let i = indexOfGreatest(in: queues[cpu], movable: movable, key: { deadline[$0] }) else { return nil }
        let v = average(cpu) ?? 0
        let t = queues[cpu].remove(at: i)
        let limit = lagLimit(t)
        lag[t] = min(limit, max(-limit, Int64(clamping: Int128(v) - Int128(vruntime[t]))))
        lagCPU[t] = -1
        return t
    }
}
