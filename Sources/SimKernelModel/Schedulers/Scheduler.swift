import SimMachine
import Synchronization

public struct SchedulerConfig: Sendable, Hashable {
    /// The built-in policies; registered ones (`SchedulerRegistry`) are named by their string.
    public enum Policy: String, Sendable, CaseIterable {
        case fifo
        case roundRobin = "round-robin"
        case cfs
        case eevdf
    }
    /// A built-in policy's raw value or a registered policy's name.
    public var policy: String
    /// Period of the scheduler tick, at which preemption is decided.
    public var tick: Picoseconds
    public init(policy: String = Policy.roundRobin.rawValue, tick: Picoseconds = Picoseconds(us: 4_000)) {
        self.policy = policy; self.tick = tick
    }
}

/// What a registered policy's factory gets to build a policy for one kernel instance.
public struct SchedulerContext: Sendable {
    /// CPUs of the instance (policies see local indices 0..<cpuCount).
    public var cpuCount: Int
    /// Load weight of every task of the simulation, by global task id (nice 0 = 1024).
    public var weights: [UInt64]
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
    /// A registered policy: one existential call per scheduling decision (not per event).
    case custom(any SchedulingPolicy)

    /// The policy named `name` (built-in or registered), or nil if there is none.
    public init?(_ name: String, context: SchedulerContext) {
        switch SchedulerConfig.Policy(rawValue: name) {
        case .fifo: self = .queue(QueuePolicy(cpuCount: context.cpuCount, timeSlices: false))
        case .roundRobin: self = .queue(QueuePolicy(cpuCount: context.cpuCount, timeSlices: true))
        case .cfs: self = .cfs(FairPolicy(cpuCount: context.cpuCount, weights: context.weights))
        case .eevdf: self = .eevdf(EEVDFPolicy(cpuCount: context.cpuCount, weights: context.weights))
        case nil:
            guard let p = SchedulerRegistry.make(name, context) else { return nil }
            self = .custom(p)
        }
    }

    /// CPU (local index) for a new or woken task: the pinned one, else the least loaded
    /// (`load(i)` tasks on local CPU `i`), lowest index on ties. The same for every policy.
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

    /// An empty value to park in `self` while a policy is mutated: without it the payload
    /// copy shares its arrays with `self`, and every call would copy them (an allocation).
    static let parked = Scheduler.queue(QueuePolicy(cpuCount: 0, timeSlices: false))

    public mutating func enqueue(task: Int, cpu: Int) {
        switch self {
        case .queue(var p): self = Self.parked; p.enqueue(task: task, cpu: cpu); self = .queue(p)
        case .cfs(var p): self = Self.parked; p.enqueue(task: task, cpu: cpu); self = .cfs(p)
        case .eevdf(var p): self = Self.parked; p.enqueue(task: task, cpu: cpu); self = .eevdf(p)
        case .custom(var p): self = Self.parked; p.enqueue(task: task, cpu: cpu); self = .custom(p)
        }
    }

    public mutating func pickNext(cpu: Int) -> Int? {
        switch self {
        case .queue(var p): self = Self.parked; let t = p.pickNext(cpu: cpu); self = .queue(p); return t
        case .cfs(var p): self = Self.parked; let t = p.pickNext(cpu: cpu); self = .cfs(p); return t
        case .eevdf(var p): self = Self.parked; let t = p.pickNext(cpu: cpu); self = .eevdf(p); return t
        case .custom(var p): self = Self.parked; let t = p.pickNext(cpu: cpu); self = .custom(p); return t
        }
    }

    public mutating func charge(task: Int, ran: Picoseconds) {
        switch self {
        case .queue: break
        case .cfs(var p): self = Self.parked; p.charge(task: task, ran: ran); self = .cfs(p)
        case .eevdf(var p): self = Self.parked; p.charge(task: task, ran: ran); self = .eevdf(p)
        case .custom(var p): self = Self.parked; p.charge(task: task, ran: ran); self = .custom(p)
        }
    }

    public func shouldPreempt(cpu: Int, running: Int, ranFor: Picoseconds) -> Bool {
        switch self {
        case .queue(let p): p.shouldPreempt(cpu: cpu, running: running, ranFor: ranFor)
        case .cfs(let p): p.shouldPreempt(cpu: cpu, running: running, ranFor: ranFor)
        case .eevdf(let p): p.shouldPreempt(cpu: cpu, running: running, ranFor: ranFor)
        case .custom(let p): p.shouldPreempt(cpu: cpu, running: running, ranFor: ranFor)
        }
    }

    public func hasWaiting(cpu: Int) -> Bool {
        switch self {
        case .queue(let p): p.hasWaiting(cpu: cpu)
        case .cfs(let p): p.hasWaiting(cpu: cpu)
        case .eevdf(let p): p.hasWaiting(cpu: cpu)
        case .custom(let p): p.hasWaiting(cpu: cpu)
        }
    }
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
}
