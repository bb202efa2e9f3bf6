import Foundation
import SimCPU
import SimMachine
import SimWorkloads

/// A configured machine, its kernels and their tasks, ready to run.
///
/// All state lives in arrays of plain structs indexed by integer ids (CPUs, tasks,
/// lines, locks, rings); events are dispatched with a `switch` on their kind.
public struct Simulation {
    public let config: SimulationConfig
    var queue = EventQueue(capacity: 4096)
    var now = Picoseconds.zero
    var directory: CoherenceDirectory
    var apic: LocalAPICs
    var storeBuffers: StoreBuffers
    let timing: CoreTiming
    var cpus: FixedArray<CPUState>
    var kernels: [KernelRuntime] = []
    var tasks = FixedArray<TaskState>([])
    var traces = TraceTable()
    var locks = LockTable()
    var workloadStats: [WorkloadStats] = []
    var channels = ChannelTable()
    var progress = RunProgress()
    var ipis = IPITable()
    var memory = MemoryTable()
    var tlb: TLBTable
    var batches = BatchGates()
    var lists = KernelLists()
    var moves = MoveTable()
    var devices: [DeviceRuntime] = []
    /// Whether each task may leave its CPU (not pinned), by task id.
    var movableTasks: [Bool] = []
    /// Cycles of user work a CPU executes at once (about `maxRunAhead`).
    let computeChunk: UInt64
    /// The run's end: no event after it is processed (`config.duration`, or never).
    let horizon: Picoseconds
    /// Where the run's observations go (`attach`); nil: none are made.
    var observer: (any Observer)?

    /// Kernel `k`'s scheduling policy and real-time queues, sized for `all` the tasks of
    /// the simulation (a respawned kernel gets fresh ones); nil: no such policy.
    mutating func makeScheduler(kernel k: Int, tasks all: [TaskState]) -> Scheduler? {
        let kc = kernels[k].config
        kernels[k].realtime = RealtimeQueues(cpuCount: kc.cpus.count, priorities: all.map(\.scheduling.rtPriority))
        let context = SchedulerContext(cpuCount: kc.cpus.count, weights: all.map(\.scheduling.weight), requests: all.map(\.scheduling.slice),
                                       seed: SplitMix64(seed: config.seed, stream: [0x7363_6865_6400, UInt64(k)]).state, kernel: k)
        return Scheduler(kc.scheduler.policy, context: context)
    }
}
