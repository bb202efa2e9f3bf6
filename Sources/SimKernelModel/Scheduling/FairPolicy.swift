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
/// than the CPU's minimum virtual runtime (woken sleepers: half a latency period before it),
/// so sleeping earns no unbounded credit.
/// A woken task preempts the running one when it is behind by more than the wake-up
/// granularity. Simplifications: per-CPU queues scanned linearly; no groups.
/// The load balancer moves the task with the most virtual runtime; any task that changes
/// CPU is re-based on the new CPU's minimum.
public struct FairPolicy: SchedulingPolicy {
    static let latency = Picoseconds(us: 6_000)         // sysctl_sched_latency
    static let minGranularity = Picoseconds(us: 750)    // sysctl_sched_min_granularity
    static let wakeupGranularity = Picoseconds(us: 1_000) // sysctl_sched_wakeup_granularity

    let weights: [UInt64]
    var vruntime: [UInt64]
    var queues: [[Int]]
    var minVruntime: [UInt64]
    /// The CPU each task was last queued on (-1: none yet): a task that arrives on another
    /// CPU has its vruntime re-based from that CPU's minimum to this one's, as Linux does
    /// on every migration (`migrate_task_rq_fair`), so per-CPU clocks do not leak.
    var home: [Int]
    /// Tasks that blocked since they last ran: they wake with the sleeper credit.
    var sleeping: [Bool]

    public init(cpuCount: Int, weights: [UInt64]) {
        self.weights = weights
        vruntime = Array(repeating: 0, count: weights.count)
        queues = Array(repeating: [], count: cpuCount)
        minVruntime = Array(repeating: 0, count: cpuCount)
        home = Array(repeating: -1, count: weights.count)
        sleeping = Array(repeating: false, count: weights.count)
    }

    public mutating func enqueue(task: Int, cpu: Int) {
        let from = home[task]
        if from >= 0 && from != cpu {
            vruntime[task] = (vruntime[task] > minVruntime[from] ? vruntime[task] - minVruntime[from] : 0) &+ minVruntime[cpu]
        }
        home[task] = cpu
        // A waking sleeper is placed up to half a latency period behind the queue's minimum
        // (GENTLE_FAIR_SLEEPERS), so that it preempts soon without banking its whole sleep.
        let credit = sleeping[task] ? virtualTime(Picoseconds(Self.latency.raw / 2), weight: 1024) : 0
        sleeping[task] = false
        vruntime[task] = max(vruntime[task], minVruntime[cpu] > credit ? minVruntime[cpu] - credit : 0)
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

    public mutating func blocked(task: Int) { sleeping[task] = true }

    /// `check_preempt_wakeup`: the woken task preempts when the running one is ahead of it
    /// by more than the wake-up granularity, in the woken task's virtual time.
    public func preemptsOnWakeup(cpu: Int, running: Int, ranFor: Picoseconds, woken: Int) -> Bool {
        let current = vruntime[running] &+ virtualTime(ranFor, weight: weights[running])
        guard current > vruntime[woken] else { return false }
        return current - vruntime[woken] > virtualTime(Self.wakeupGranularity, weight: weights[woken])
    }

    /// The movable task with the most virtual runtime (the one that would run last here).
    public mutating func detach(from cpu: Int, movable: (Int) -> Bool) -> Int? {
        guard let i = indexOfGreatest(in: queues[cpu], movable: movable, key: { vruntime[$0] }) else { return nil }
        return queues[cpu].remove(at: i)
    }

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
