import SimMachine

/// The real-time class, SCHED_FIFO and SCHED_RR (POSIX fixed priorities 1…99), which every
/// kernel runs above its configured policy, as Linux runs `rt_sched_class` above the fair
/// class: a waiting real-time task always runs before any normal task.
///
/// Semantics kept (sched(7)): the highest priority runs; a task woken at a higher priority
/// than the running one preempts it at once; within one priority, FIFO tasks run until they
/// block, RR tasks give way after `rr_slice` (100 ms by default, Linux's RR_TIMESLICE) and go
/// to the tail; a task preempted by a higher priority goes back to the head of its list.
/// Simplifications: no RT throttling (sched_rt_runtime_us), no priority inheritance; pushing
/// and pulling between CPUs is the placement and idle balancing the simulation does for all.
struct RealtimeQueues {
    /// Per local CPU, waiting real-time tasks in run order (highest priority first).
    var queues: [[Int]]
    /// Real-time priority by global task id (0: a normal task, never queued here).
    let priority: [UInt8]

    init(cpuCount: Int, priorities: [UInt8]) {
        queues = Array(repeating: [], count: cpuCount)
        priority = priorities
    }

    /// Inserts by priority: behind its equals, or ahead of them with `atHead`.
    mutating func enqueue(task: Int, cpu: Int, atHead: Bool) {
        let mine = priority[task]
        var i = 0
        let q = queues[cpu]
        while i < q.count {
            let p = priority[q[i]]
            if p < mine || (atHead && p == mine) { break }
            i += 1
        }
        queues[cpu].insert(task, at: i)
    }

    mutating func pickNext(cpu: Int) -> Int? {
        queues[cpu].isEmpty ? nil : queues[cpu].removeFirst()
    }

    /// The first waiting task's priority (0: none waits).
    func highestWaiting(cpu: Int) -> UInt8 {
        queues[cpu].first.map { priority[$0] } ?? 0
    }

    func hasWaiting(cpu: Int) -> Bool { !queues[cpu].isEmpty }

    /// The highest-priority waiting task that may move (Linux's pull_rt_task takes that one).
    mutating func detach(from cpu: Int, movable: (Int) -> Bool) -> Int? {
        guard let i = queues[cpu].firstIndex(where: movable) else { return nil }
        return queues[cpu].remove(at: i)
    }
}
