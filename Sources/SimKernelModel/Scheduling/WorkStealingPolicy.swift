import SimMachine
import SimWorkloads

/// Work stealing, after the Go runtime's scheduler (`runtime/proc.go`: `findRunnable`,
/// `stealWork`, `runqsteal`) and Cilk's randomized stealing (Blumofe & Leiserson, 1999).
///
/// Each CPU has a FIFO run queue with time slices (round-robin at the tick). A CPU that
/// runs dry visits the other CPUs in a random order, starting at a random victim, and
/// takes one waiting task from the first that has one — the oldest, as thieves take from
/// the far end. Victims are drawn from the policy's own seeded stream, so runs repeat.
/// Simplifications: one task per steal (Go takes half the victim's queue to amortize the
/// cost of synchronizing, which this model does not charge); no spinning thieves, an idle
/// CPU steals only when it runs dry (new tasks go to idle CPUs first anyway).
public struct WorkStealingPolicy: SchedulingPolicy {
    var queues: FIFOQueues
    var rng: SplitMix64

    public init(cpuCount: Int, seed: UInt64) {
        queues = FIFOQueues(cpuCount: cpuCount)
        rng = SplitMix64(seed: seed)
    }

    public mutating func enqueue(task: Int, cpu: Int) { queues.push(task, cpu: cpu) }
    public mutating func pickNext(cpu: Int) -> Int? { queues.pop(cpu: cpu) }
    public mutating func charge(task: Int, ran: Picoseconds) {}
    public func shouldPreempt(cpu: Int, running: Int, ranFor: Picoseconds) -> Bool { !queues.isEmpty(cpu: cpu) }
    public func hasWaiting(cpu: Int) -> Bool { !queues.isEmpty(cpu: cpu) }

    public mutating func steal(for cpu: Int, movable: (Int) -> Bool) -> (task: Int, from: Int)? {
        let n = queues.count
        guard n > 1 else { return nil }
        let start = Int(rng.below(UInt64(n)))
        for i in 0..<n {
            let victim = (start + i) % n
            guard victim != cpu, !queues.isEmpty(cpu: victim) else { continue }
            if let t = queues.removeFirst(cpu: victim, where: movable) { return (t, victim) }
        }
        return nil
    }

    public mutating func detach(from cpu: Int, movable: (Int) -> Bool) -> Int? { queues.removeLast(cpu: cpu, where: movable) }
}
