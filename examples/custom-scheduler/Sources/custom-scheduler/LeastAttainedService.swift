import SimKernelModel
import SimMachine

/// Least attained service (LAS, a.k.a. foreground-background; Rai, Urvoy-Keller and
/// Biersack, SIGMETRICS 2003): the waiting task that has had the least CPU time so far runs
/// next, for one tick. Short tasks finish first without knowing their sizes; long ones
/// share what is left. Ties go to the task queued first.
struct LeastAttainedService: SchedulingPolicy {
    /// CPU time each task has had, by task id (the simulation numbers tasks 0..<count).
    var attained: [Picoseconds]
    var queues: [[Int]]

    init(_ context: SchedulerContext) {
        attained = Array(repeating: .zero, count: context.weights.count)
        queues = Array(repeating: [], count: context.cpuCount)
    }

    mutating func enqueue(task: Int, cpu: Int) { queues[cpu].append(task) }

    mutating func pickNext(cpu: Int) -> Int? {
        guard let i = queues[cpu].indices.min(by: { attained[queues[cpu][$0]] < attained[queues[cpu][$1]] }) else {
            return nil
        }
        return queues[cpu].remove(at: i)
    }

    mutating func charge(task: Int, ran: Picoseconds) { attained[task] = attained[task] + ran }

    /// At a tick, the running task gives way when a waiting one has had less service.
    func shouldPreempt(cpu: Int, running: Int, ranFor: Picoseconds) -> Bool {
        queues[cpu].contains { attained[$0] < attained[running] + ranFor }
    }

    func hasWaiting(cpu: Int) -> Bool { !queues[cpu].isEmpty }
}
