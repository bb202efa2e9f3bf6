import SimMachine
import Synchronization

public struct SchedulerConfig: Sendable, Hashable {
    /// The built-in policies; registered ones (`SchedulerRegistry`) are named by their string.
    public enum Policy: String, Sendable, CaseIterable {
        case fifo
        case roundRobin = "round-robin"
        case cfs
        case eevdf
        case workStealing = "work-stealing"
    }
    /// A built-in policy's raw value or a registered policy's name.
    public var policy: String
    /// Period of the scheduler tick, at which preemption is decided.
    public var tick: Picoseconds
    /// Interval of periodic load balancing (nil: off, and no idle pulling either).
    public var balance: Picoseconds?
    /// Time slice of SCHED_RR tasks (Linux's RR_TIMESLICE: 100 ms).
    public var rrSlice: Picoseconds
    public init(policy: String = Policy.roundRobin.rawValue, tick: Picoseconds = Picoseconds(us: 4_000),
                balance: Picoseconds? = Picoseconds(us: 4_000), rrSlice: Picoseconds = Picoseconds(us: 100_000)) {
        self.policy = policy; self.tick = tick; self.balance = balance; self.rrSlice = rrSlice
    }
}

/// What a registered policy's factory gets to build a policy for one kernel instance.
public struct SchedulerContext: Sendable {
    /// CPUs of the instance (policies see local indices 0..<cpuCount).
    public var cpuCount: Int
    /// Load weight of every task of the simulation, by global task id (nice 0 = 1024).
    public var weights: [UInt64]
    /// Requested slice of every task (a workload's `slice`; zero: the policy's default).
    public var requests: [Picoseconds]
    /// A seed for the policy's own random choices, derived from the scenario's.
    public var seed: UInt64
    /// The instance's index, so that each instance's policy can draw its own stream.
    public var kernel: Int
}

/// User-written policies, by name. Register before reading scenarios (the `mksim` command
/// registers the policies of the `SchedulerExamples` target at start-up).
public enum SchedulerRegistry {
    public typealias Factory = @Sendable (SchedulerContext) -> any SchedulingPolicy

    private static let factories = Mutex<[String: Factory]>([:])

    /// Adds a policy; a built-in name cannot be replaced.
    public static func register(_ name: String, _ factory: @escaping Factory) {
        guard SchedulerConfig.Policy(rawValue: name) == nil else { return }
        factories.withLock { $0[name] = factory }
    }

    /// Built-in names, then registered ones, sorted.
    public static var names: [String] {
        SchedulerConfig.Policy.allCases.map(\.rawValue) + factories.withLock { $0.keys.sorted() }
    }

    static func make(_ name: String, _ context: SchedulerContext) -> (any SchedulingPolicy)? {
        factories.withLock { $0[name] }.map { $0(context) }
    }
}

/// What a scheduling policy decides. Called per kernel instance, with CPU indices local to
/// that instance and global task ids; the simulation does the switching and charges its costs.
public protocol SchedulingPolicy: Sendable {
    /// The task becomes runnable on `cpu` (new, woken or preempted).
    mutating func enqueue(task: Int, cpu: Int)
    /// The next task to run on `cpu`, removed from its queue.
    mutating func pickNext(cpu: Int) -> Int?
    /// The task ran for `ran` (called whenever it stops running).
    mutating func charge(task: Int, ran: Picoseconds)
    /// At a tick: should `running`, which has run `ranFor` since it was picked, give way?
    func shouldPreempt(cpu: Int, running: Int, ranFor: Picoseconds) -> Bool
    /// Whether tasks wait on `cpu` (the tick stays armed while they do).
    func hasWaiting(cpu: Int) -> Bool

    // Optional points (default implementations below do nothing).

    /// `woken` was just enqueued on `cpu`, where `running` has run for `ranFor`: preempt it now, without
    /// waiting for the tick?
    func preemptsOnWakeup(cpu: Int, running: Int, ranFor: Picoseconds, woken: Int) -> Bool
    /// `cpu` has nothing to run: a task taken from another CPU's queue for it (work
    /// stealing), with the CPU it came from, or nil to let the load balancer try.
    /// `movable(task)` says whether a task may leave its CPU (pinned ones may not).
    mutating func steal(for cpu: Int, movable: (Int) -> Bool) -> (task: Int, from: Int)?
    /// Removes one waiting task of `cpu` for the load balancer to move elsewhere, or nil
    /// when none may move. Policies that do not implement it are never balanced.
    mutating func detach(from cpu: Int, movable: (Int) -> Bool) -> Int?
    /// A new task arrives (its workload creates it: Linux's fork or clone), just before its
    /// first `enqueue` on `cpu`.
    mutating func forked(task: Int, cpu: Int)
    /// A sleeping task wakes, just before its `enqueue` on `cpu`. `waker` is the CPU whose
    /// event woke it (for the end of a sleep, the timer's CPU: the one the task slept on), or
    /// -1 when that CPU is not one of this instance's.
    mutating func wakingUp(task: Int, cpu: Int, waker: Int)
    /// `cpu` goes offline: after this call the simulation takes every task queued on it
    /// (through `pickNext`) and places them on the instance's other CPUs.
    mutating func cpuRemoved(cpu: Int)
    /// `cpu` is back online (idle, about to look for work).
    mutating func cpuAdded(cpu: Int)
    /// The task stopped running and is not runnable any more (it sleeps or exits); called
    /// after `charge`. A preempted task is enqueued again instead.
    mutating func blocked(task: Int)
    /// The task exited: drop what the policy keeps about it.
    mutating func exited(task: Int)
}

extension SchedulingPolicy {
    public func preemptsOnWakeup(cpu: Int, running: Int, ranFor: Picoseconds, woken: Int) -> Bool { false }
    public mutating func steal(for cpu: Int, movable: (Int) -> Bool) -> (task: Int, from: Int)? { nil }
    public mutating func detach(from cpu: Int, movable: (Int) -> Bool) -> Int? { nil }
    public mutating func forked(task: Int, cpu: Int) {}
    public mutating func wakingUp(task: Int, cpu: Int, waker: Int) {}
    public mutating func cpuRemoved(cpu: Int) {}
    public mutating func cpuAdded(cpu: Int) {}
    public mutating func blocked(task: Int) {}
    public mutating func exited(task: Int) {}
}

/// Linux's `sched_prio_to_weight`: nice -20 … 19 to load weight (nice 0 = 1024, ~1.25× a step).
public enum NiceWeights {
    static let table: [UInt64] = [
        88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916,
        9548, 7620, 6100, 4904, 3906, 3121, 2501, 1991, 1586, 1277,
        1024, 820, 655, 526, 423, 335, 272, 215, 172, 137,
        110, 87, 70, 56, 45, 36, 29, 23, 18, 15,
    ]
    public static func weight(nice: Int) -> UInt64 { table[min(39, max(0, nice + 20))] }
}

/// The built-in policies behind one type, dispatched with a `switch` (no existential per call).
public enum Scheduler: Sendable {
    /// FIFO and round-robin.
    case queue(QueuePolicy)
    case cfs(FairPolicy)
    case eevdf(EEVDFPolicy)
    case workStealing(WorkStealingPolicy)
    /// A registered policy: one existential call per scheduling decision (not per event).
    case custom(any SchedulingPolicy)

    /// The policy named `name` (built-in or registered), or nil if there is none.
    public init?(_ name: String, context: SchedulerContext) {
        switch SchedulerConfig.Policy(rawValue: name) {
        case .fifo: self = .queue(QueuePolicy(cpuCount: context.cpuCount, timeSlices: false))
        case .roundRobin: self = .queue(QueuePolicy(cpuCount: context.cpuCount, timeSlices: true))
        case .cfs: self = .cfs(FairPolicy(cpuCount: context.cpuCount, weights: context.weights))
        case .eevdf: self = .eevdf(EEVDFPolicy(cpuCount: context.cpuCount, weights: context.weights, requests: context.requests))
        case .workStealing: self = .workStealing(WorkStealingPolicy(cpuCount: context.cpuCount, seed: context.seed))
        case nil:
            guard let p = SchedulerRegistry.make(name, context) else { return nil }
            self = .custom(p)
        }
    }

    /// An empty value to park in `self` while a policy is mutated: without it the payload
    /// copy shares its arrays with `self`, and every call would copy them (an allocation).
    static let parked = Scheduler.queue(QueuePolicy(cpuCount: 0, timeSlices: false))

    public mutating func enqueue(task: Int, cpu: Int) {
        switch self {
        case .queue(var p): self = Self.parked; p.enqueue(task: task, cpu: cpu); self = .queue(p)
        case .cfs(var p): self = Self.parked; p.enqueue(task: task, cpu: cpu); self = .cfs(p)
        case .eevdf(var p): self = Self.parked; p.enqueue(task: task, cpu: cpu); self = .eevdf(p)
        case .workStealing(var p): self = Self.parked; p.enqueue(task: task, cpu: cpu); self = .workStealing(p)
        case .custom(var p): self = Self.parked; p.enqueue(task: task, cpu: cpu); self = .custom(p)
        }
    }

    public mutating func pickNext(cpu: Int) -> Int? {
        switch self {
        case .queue(var p): self = Self.parked; let r = p.pickNext(cpu: cpu); self = .queue(p); return r
        case .cfs(var p): self = Self.parked; let r = p.pickNext(cpu: cpu); self = .cfs(p); return r
        case .eevdf(var p): self = Self.parked; let r = p.pickNext(cpu: cpu); self = .eevdf(p); return r
        case .workStealing(var p): self = Self.parked; let r = p.pickNext(cpu: cpu); self = .workStealing(p); return r
        case .custom(var p): self = Self.parked; let r = p.pickNext(cpu: cpu); self = .custom(p); return r
        }
    }

    public mutating func charge(task: Int, ran: Picoseconds) {
        switch self {
        case .queue(var p): self = Self.parked; p.charge(task: task, ran: ran); self = .queue(p)
        case .cfs(var p): self = Self.parked; p.charge(task: task, ran: ran); self = .cfs(p)
        case .eevdf(var p): self = Self.parked; p.charge(task: task, ran: ran); self = .eevdf(p)
        case .workStealing(var p): self = Self.parked; p.charge(task: task, ran: ran); self = .workStealing(p)
        case .custom(var p): self = Self.parked; p.charge(task: task, ran: ran); self = .custom(p)
        }
    }

    public func shouldPreempt(cpu: Int, running: Int, ranFor: Picoseconds) -> Bool {
        switch self {
        case .queue(let p): p.shouldPreempt(cpu: cpu, running: running, ranFor: ranFor)
        case .cfs(let p): p.shouldPreempt(cpu: cpu, running: running, ranFor: ranFor)
        case .eevdf(let p): p.shouldPreempt(cpu: cpu, running: running, ranFor: ranFor)
        case .workStealing(let p): p.shouldPreempt(cpu: cpu, running: running, ranFor: ranFor)
        case .custom(let p): p.shouldPreempt(cpu: cpu, running: running, ranFor: ranFor)
        }
    }

    public func hasWaiting(cpu: Int) -> Bool {
        switch self {
        case .queue(let p): p.hasWaiting(cpu: cpu)
        case .cfs(let p): p.hasWaiting(cpu: cpu)
        case .eevdf(let p): p.hasWaiting(cpu: cpu)
        case .workStealing(let p): p.hasWaiting(cpu: cpu)
        case .custom(let p): p.hasWaiting(cpu: cpu)
        }
    }

    public func preemptsOnWakeup(cpu: Int, running: Int, ranFor: Picoseconds, woken: Int) -> Bool {
        switch self {
        case .queue(let p): p.preemptsOnWakeup(cpu: cpu, running: running, ranFor: ranFor, woken: woken)
        case .cfs(let p): p.preemptsOnWakeup(cpu: cpu, running: running, ranFor: ranFor, woken: woken)
        case .eevdf(let p): p.preemptsOnWakeup(cpu: cpu, running: running, ranFor: ranFor, woken: woken)
        case .workStealing(let p): p.preemptsOnWakeup(cpu: cpu, running: running, ranFor: ranFor, woken: woken)
        case .custom(let p): p.preemptsOnWakeup(cpu: cpu, running: running, ranFor: ranFor, woken: woken)
        }
    }

    public mutating func steal(for cpu: Int, movable: (Int) -> Bool) -> (task: Int, from: Int)? {
        switch self {
        case .queue(var p): self = Self.parked; let r = p.steal(for: cpu, movable: movable); self = .queue(p); return r
        case .cfs(var p): self = Self.parked; let r = p.steal(for: cpu, movable: movable); self = .cfs(p); return r
        case .eevdf(var p): self = Self.parked; let r = p.steal(for: cpu, movable: movable); self = .eevdf(p); return r
        case .workStealing(var p): self = Self.parked; let r = p.steal(for: cpu, movable: movable); self = .workStealing(p); return r
        case .custom(var p): self = Self.parked; let r = p.steal(for: cpu, movable: movable); self = .custom(p); return r
        }
    }

    public mutating func detach(from cpu: Int, movable: (Int) -> Bool) -> Int? {
        switch self {
        case .queue(var p): self = Self.parked; let r = p.detach(from: cpu, movable: movable); self = .queue(p); return r
        case .cfs(var p): self = Self.parked; let r = p.detach(from: cpu, movable: movable); self = .cfs(p); return r
        case .eevdf(var p): self = Self.parked; let r = p.detach(from: cpu, movable: movable); self = .eevdf(p); return r
        case .workStealing(var p): self = Self.parked; let r = p.detach(from: cpu, movable: movable); self = .workStealing(p); return r
        case .custom(var p): self = Self.parked; let r = p.detach(from: cpu, movable: movable); self = .custom(p); return r
        }
    }

    public mutating func forked(task: Int, cpu: Int) {
        switch self {
        case .queue(var p): self = Self.parked; p.forked(task: task, cpu: cpu); self = .queue(p)
        case .cfs(var p): self = Self.parked; p.forked(task: task, cpu: cpu); self = .cfs(p)
        case .eevdf(var p): self = Self.parked; p.forked(task: task, cpu: cpu); self = .eevdf(p)
        case .workStealing(var p): self = Self.parked; p.forked(task: task, cpu: cpu); self = .workStealing(p)
        case .custom(var p): self = Self.parked; p.forked(task: task, cpu: cpu); self = .custom(p)
        }
    }

    public mutating func wakingUp(task: Int, cpu: Int, waker: Int) {
        switch self {
        case .queue(var p): self = Self.parked; p.wakingUp(task: task, cpu: cpu, waker: waker); self = .queue(p)
        case .cfs(var p): self = Self.parked; p.wakingUp(task: task, cpu: cpu, waker: waker); self = .cfs(p)
        case .eevdf(var p): self = Self.parked; p.wakingUp(task: task, cpu: cpu, waker: waker); self = .eevdf(p)
        case .workStealing(var p): self = Self.parked; p.wakingUp(task: task, cpu: cpu, waker: waker); self = .workStealing(p)
        case .custom(var p): self = Self.parked; p.wakingUp(task: task, cpu: cpu, waker: waker); self = .custom(p)
        }
    }

    public mutating func cpuRemoved(cpu: Int) {
        switch self {
        case .queue(var p): self = Self.parked; p.cpuRemoved(cpu: cpu); self = .queue(p)
        case .cfs(var p): self = Self.parked; p.cpuRemoved(cpu: cpu); self = .cfs(p)
        case .eevdf(var p): self = Self.parked; p.cpuRemoved(cpu: cpu); self = .eevdf(p)
        case .workStealing(var p): self = Self.parked; p.cpuRemoved(cpu: cpu); self = .workStealing(p)
        case .custom(var p): self = Self.parked; p.cpuRemoved(cpu: cpu); self = .custom(p)
        }
    }

    public mutating func cpuAdded(cpu: Int) {
        switch self {
        case .queue(var p): self = Self.parked; p.cpuAdded(cpu: cpu); self = .queue(p)
        case .cfs(var p): self = Self.parked; p.cpuAdded(cpu: cpu); self = .cfs(p)
        case .eevdf(var p): self = Self.parked; p.cpuAdded(cpu: cpu); self = .eevdf(p)
        case .workStealing(var p): self = Self.parked; p.cpuAdded(cpu: cpu); self = .workStealing(p)
        case .custom(var p): self = Self.parked; p.cpuAdded(cpu: cpu); self = .custom(p)
        }
    }

    public mutating func blocked(task: Int) {
        switch self {
        case .queue(var p): self = Self.parked; p.blocked(task: task); self = .queue(p)
        case .cfs(var p): self = Self.parked; p.blocked(task: task); self = .cfs(p)
        case .eevdf(var p): self = Self.parked; p.blocked(task: task); self = .eevdf(p)
        case .workStealing(var p): self = Self.parked; p.blocked(task: task); self = .workStealing(p)
        case .custom(var p): self = Self.parked; p.blocked(task: task); self = .custom(p)
        }
    }

    public mutating func exited(task: Int) {
        switch self {
        case .queue(var p): self = Self.parked; p.exited(task: task); self = .queue(p)
        case .cfs(var p): self = Self.parked; p.exited(task: task); self = .cfs(p)
        case .eevdf(var p): self = Self.parked; p.exited(task: task); self = .eevdf(p)
        case .workStealing(var p): self = Self.parked; p.exited(task: task); self = .workStealing(p)
        case .custom(var p): self = Self.parked; p.exited(task: task); self = .custom(p)
        }
    }
}

/// The index in `queue` of the movable task with the greatest `key` (the first on ties):
/// which task a policy gives up to the load balancer.
func indexOfGreatest(in queue: [Int], movable: (Int) -> Bool, key: (Int) -> UInt64) -> Int? {
    var best: Int?
    for (i, t) in queue.enumerated() where movable(t) {
        if let b = best, key(queue[b]) >= key(t) { continue }
        best = i
    }
    return best
}

/// A FIFO run queue per CPU, shared by the FIFO and round-robin policies.
public struct FIFOQueues: Sendable {
    var queues: [[Int]]
    var heads: [Int]

    init(cpuCount: Int) {
        queues = Array(repeating: [], count: cpuCount)
        heads = Array(repeating: 0, count: cpuCount)
    }

    mutating func push(_ task: Int, cpu: Int) { queues[cpu].append(task) }

    mutating func pop(cpu: Int) -> Int? {
        guard heads[cpu] < queues[cpu].count else { return nil }
        let t = queues[cpu][heads[cpu]]
        heads[cpu] += 1
        if heads[cpu] == queues[cpu].count { queues[cpu].removeAll(keepingCapacity: true); heads[cpu] = 0 }
        return t
    }

    func isEmpty(cpu: Int) -> Bool { heads[cpu] >= queues[cpu].count }

    var count: Int { queues.count }
    func waiting(cpu: Int) -> Int { queues[cpu].count - heads[cpu] }

    /// Removes the longest-waiting task that may move (a thief's pick).
    mutating func removeFirst(cpu: Int, where movable: (Int) -> Bool) -> Int? {
        var i = heads[cpu]
        while i < queues[cpu].count {
            if movable(queues[cpu][i]) {
                if i == heads[cpu] { return pop(cpu: cpu) }
                return queues[cpu].remove(at: i)
            }
            i += 1
        }
        return nil
    }

    /// Removes the most recently queued task that may move (the one that would wait longest).
    mutating func removeLast(cpu: Int, where movable: (Int) -> Bool) -> Int? {
        var i = queues[cpu].count - 1
        while i >= heads[cpu] {
            if movable(queues[cpu][i]) { return queues[cpu].remove(at: i) }
            i -= 1
        }
        return nil
    }
}

/// FIFO run queues. Without time slices it is SCHED_FIFO at one priority: a task runs until
/// it blocks or exits. With them it is round-robin: at each tick the running task gives way
/// if others wait.
public struct QueuePolicy: SchedulingPolicy {
    var queues: FIFOQueues
    let timeSlices: Bool
    public init(cpuCount: Int, timeSlices: Bool) {
        queues = FIFOQueues(cpuCount: cpuCount)
        self.timeSlices = timeSlices
    }
    public mutating func enqueue(task: Int, cpu: Int) { queues.push(task, cpu: cpu) }
    public mutating func pickNext(cpu: Int) -> Int? { queues.pop(cpu: cpu) }
    public mutating func charge(task: Int, ran: Picoseconds) {}
    public func shouldPreempt(cpu: Int, running: Int, ranFor: Picoseconds) -> Bool { timeSlices && !queues.isEmpty(cpu: cpu) }
    public func hasWaiting(cpu: Int) -> Bool { !queues.isEmpty(cpu: cpu) }
    public mutating func detach(from cpu: Int, movable: (Int) -> Bool) -> Int? { queues.removeLast(cpu: cpu, where: movable) }
}
