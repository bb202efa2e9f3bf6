import SimMachine

/// One thing that happened in a run, as the mechanism that did it reports it.
///
/// The records are plain values with the simulation's own ids (CPU numbers as Linux numbers
/// them, task, lock, ring and kernel indices); `ObservationNames` turns the ids into the
/// scenario's names. Every consumer (the `--events` log, timelines, reports, displays) reads
/// this one stream.
public enum Observation: Sendable, Equatable {
    /// CPU `cpu` switches from task `from` to task `to` (a context switch, as counted in
    /// `kernels.K.context_switches`).
    case contextSwitch(cpu: Int, from: Int, to: Int)
    /// Task `task` starts running on `cpu` (after a switch, a wake-up or on an idle CPU).
    case taskRun(cpu: Int, task: Int)
    /// CPU `cpu` has nothing to run.
    case cpuIdle(cpu: Int)
    /// CPU `cpu` enters / leaves the handler of interrupt `vector`.
    case handlerEnter(cpu: Int, vector: UInt8)
    case handlerExit(cpu: Int, vector: UInt8)
    /// An IPI from `from` addressed to `to` (one per target of a group send), and its arrival.
    case ipiSent(from: Int, to: Int, vector: UInt8)
    case ipiDelivered(cpu: Int, vector: UInt8, sentAt: Picoseconds)
    /// A message published in ring `ring` (a message's every chunk on a popcorn ring) and one
    /// taken out of it by the receiving kernel, `latency` after it was published.
    case messageSent(ring: Int, cpu: Int, family: MessageFamily)
    case messageDelivered(ring: Int, cpu: Int, family: MessageFamily, latency: Picoseconds)
    /// A task enters / leaves system call `syscall` (an index in its kernel's profile).
    case syscallEnter(cpu: Int, task: Int, syscall: Int)
    case syscallExit(cpu: Int, task: Int, syscall: Int)
    /// Lock record `lock` (see `ObservationNames.locks`) taken after waiting `waited`
    /// (`contended`: it was not free at the first try), and released.
    case lockAcquired(cpu: Int, task: Int, lock: Int, waited: Picoseconds, contended: Bool)
    case lockReleased(cpu: Int, task: Int, lock: Int)
    /// A mutex (or rw-semaphore) waiter goes to sleep on the lock's wait list.
    case lockSleep(cpu: Int, task: Int, lock: Int)
    /// A kernel instance changes state.
    case kernelState(kernel: Int, state: KernelLifecycleState)
    /// A task leaves CPU `cpu` for another kernel, and arrives there (its CPU there is
    /// chosen when it next runs, reported by `taskRun`).
    case migrationDepart(task: Int, cpu: Int)
    case migrationArrive(task: Int)
    /// A device raises its interrupt on `cpu` (`accepted`: not coalesced with a pending one).
    case deviceInterrupt(device: Int, cpu: Int, accepted: Bool)
    /// A resource move reaches its step `step` (see docs/kernel-model.md).
    case moveStep(move: Int, step: Int)
    /// Lock record `lock` was made during the run (a per-task or per-process kernel object,
    /// a traced program's lock word) and is called `name`: it extends `ObservationNames.locks`.
    /// Observers take it when it arrives, before any record that uses the lock.
    case lockNamed(lock: Int, name: String)
}

/// The states a kernel instance passes through, as multikernel Linux names them.
public enum KernelLifecycleState: String, Sendable {
    case loaded, active, panicked, halted, respawning
}

/// Receives a run's observations in simulated-time order, on the thread that runs it.
public protocol Observer: AnyObject {
    /// Called once before the first event with the names the records' ids stand for.
    func begin(_ names: ObservationNames)
    func observe(_ record: Observation, at time: Picoseconds)
}

/// What the ids of `Observation` records stand for in one run.
public struct ObservationNames: Sendable {
    /// Per kernel, its name.
    public var kernels: [String]
    /// Per CPU, the kernel that owns it at the start (-1: none).
    public var cpuKernels: [Int]
    /// Per task, its workload's name and its kernel at the start.
    public var tasks: [(workload: String, kernel: Int)]
    /// Per lock record, the lock's name (kernel-qualified).
    public var locks: [String]
    /// Per kernel, its profile's syscall names by index.
    public var syscalls: [[String]]
    /// Per ring, its channel's name and the sending and receiving kernels.
    public var rings: [(channel: String, from: Int, to: Int)]
    /// Per device, its name.
    public var devices: [String]
    /// Per kernel booted by kexec during the run, when it is loaded and active (known from
    /// the start: the boot timeline is fixed); nil for a kernel up from the start.
    public var boots: [(loaded: Picoseconds, active: Picoseconds)?]
}

extension ObservationNames {
    /// Takes what a naming record (`lockNamed`) says; true if `record` was one, which is
    /// then not an event to show.
    public mutating func learn(_ record: Observation) -> Bool {
        guard case .lockNamed(let l, let name) = record else { return false }
        if l >= locks.count { locks += Array(repeating: "#", count: l - locks.count + 1) }
        locks[l] = name
        return true
    }
}
