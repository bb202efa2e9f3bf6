import SimKernelModel
import SimMachine
import SimWorkloads

/// Lottery scheduling (Waldspurger & Weihl, OSDI 1994): every runnable task holds tickets
/// in proportion to its weight; at each decision one ticket is drawn at random and its
/// holder runs for one tick. Shares converge to the weights, with random variation.
///
/// This is the example of docs/schedulers.md ("Writing a policy"): a value type that keeps
/// its own per-CPU queues and answers the simulation's six questions.
public struct LotteryPolicy: SchedulingPolicy {
    let weights: [UInt64]
    var queues: [[Int]]
    var rng: SplitMix64

    public init(_ context: SchedulerContext) {
        weights = context.weights
        queues = Array(repeating: [], count: context.cpuCount)
        rng = SplitMix64(seed: context.seed)  // seeded by the simulation: runs stay reproducible
    }

    public mutating func enqueue(task: Int, cpu: Int) {
        queues[cpu].append(task)
    }

    public mutating func pickNext(cpu: Int) -> Int? {
        guard !queues[cpu].isEmpty else { return nil }
        let tickets = queues[cpu].reduce(UInt64(0)) { $0 + weights[$1] }
        var draw = rng.below(tickets)
        for (i, task) in queues[cpu].enumerated() {
            if draw < weights[task] { return queues[cpu].remove(at: i) }
            draw -= weights[task]
        }
        return queues[cpu].removeFirst()  // not reached: the draw is below the ticket total
    }

    public mutating func charge(task: Int, ran: Picoseconds) {}

    public func shouldPreempt(cpu: Int, running: Int, ranFor: Picoseconds) -> Bool {
        !queues[cpu].isEmpty  // a new draw at every tick
    }

    public func hasWaiting(cpu: Int) -> Bool { !queues[cpu].isEmpty }
}

/// Makes the example policies available to scenario files by name.
public enum SchedulerExamples {
    public static func register() {
        SchedulerRegistry.register("lottery") { LotteryPolicy($0) }
    }
}
