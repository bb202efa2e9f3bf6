import SimMachine

public struct SchedulerConfig: Sendable, Hashable {
    public enum Policy: String, Sendable, CaseIterable { case roundRobin = "round-robin" }
    public var policy: Policy
    /// Period of the scheduler tick; a task that ran a whole tick while others wait is preempted.
    public var tick: Picoseconds
    public init(policy: Policy = .roundRobin, tick: Picoseconds = Picoseconds(us: 4_000)) {
        self.policy = policy; self.tick = tick
    }
}

/// What a scheduling policy decides. Called per kernel instance, with CPU indices
/// local to that instance; the simulation does the switching and charges its costs.
public protocol SchedulingPolicy: Sendable {
    /// CPU (local index) for a new or woken task; `pinned` when the task has affinity;
    /// `load(i)` is the number of tasks on local CPU `i` (of `cpuCount`).
    mutating func selectCPU(task: Int, pinned: Int?, cpuCount: Int, load: (Int) -> Int) -> Int
    mutating func enqueue(task: Int, cpu: Int)
    mutating func pickNext(cpu: Int) -> Int?
    /// Whether the running task should give way at this tick.
    func shouldPreempt(cpu: Int) -> Bool
}

/// Round-robin: per-CPU FIFO run queues, new tasks on the least-loaded CPU (lowest index
/// on ties, so CPUs fill in the kernel's order), preemption at the tick when others wait.
public struct RoundRobinPolicy: SchedulingPolicy {
    var queues: [[Int]]
    var heads: [Int]

    public init(cpuCount: Int) {
        queues = Array(repeating: [], count: cpuCount)
        heads = Array(repeating: 0, count: cpuCount)
    }

    public func selectCPU(task: Int, pinned: Int?, cpuCount: Int, load: (Int) -> Int) -> Int {
        if let p = pinned { return p }
        var best = 0
        var bestLoad = load(0)
        for c in 1..<max(1, cpuCount) {
            let l = load(c)
            if l < bestLoad { best = c; bestLoad = l }
        }
        return best
    }

    public mutating func enqueue(task: Int, cpu: Int) { queues[cpu].append(task) }

    public mutating func pickNext(cpu: Int) -> Int? {
        guard heads[cpu] < queues[cpu].count else { return nil }
        let t = queues[cpu][heads[cpu]]
        heads[cpu] += 1
        if heads[cpu] == queues[cpu].count { queues[cpu].removeAll(keepingCapacity: true); heads[cpu] = 0 }
        return t
    }

    public func shouldPreempt(cpu: Int) -> Bool { heads[cpu] < queues[cpu].count }
}
