import SimCPU
import SimMachine
import SimWorkloads

/// A kernel instance as configured: the CPUs and memory it owns, its scheduler and cost model.
public struct KernelConfig: Sendable {
    public var name: String
    /// Logical CPUs, in the order the scheduler fills them.
    public var cpus: [Int]
    public var memoryNode: Int
    public var memoryBytes: UInt64
    public var scheduler: SchedulerConfig
    public var profile: SyscallProfile
    /// How and when the instance starts.
    public var boot: BootConfig
    /// CPUs taken offline and brought back at given times (CPU hot-plug within the instance).
    public var hotplug: [HotplugEvent] = []
    /// A kernel panic at a time (nil: none): tasks die, CPUs stop, peers keep running.
    public var panicAt: Picoseconds?
    /// An orderly shutdown at a time (nil: none): the instance stops its tasks and halts its
    /// CPUs. With `shutdownChannel`, a kernel thread at the channel's other end sends it a
    /// SYSTEM shutdown message at that time, and it halts when its handler takes it.
    public var shutdownAt: Picoseconds?
    public var shutdownChannel: Int?
    /// After a panic, the host boots the instance again by kexec this long after it failed
    /// (nil: it stays down); its generated workloads start over once it is active.
    public var respawnAfter: Picoseconds?
    /// Its cache partition: the last-level ways its CPUs may fill (empty: all of them).
    public var llcWays: [Int] = []

    public init(name: String, cpus: [Int], memoryNode: Int, memoryBytes: UInt64, scheduler: SchedulerConfig = .init(),
                profile: SyscallProfile = .linux, boot: BootConfig = BootConfig()) {
        self.name = name; self.cpus = cpus; self.memoryNode = memoryNode; self.memoryBytes = memoryBytes
        self.scheduler = scheduler; self.profile = profile; self.boot = boot
    }
}

/// How a kernel instance comes up (multikernel Linux: EMPTY → READY → LOADED → ACTIVE).
public struct BootConfig: Sendable, Hashable {
    public enum Via: String, Sendable, CaseIterable {
        /// Already running when the simulation starts its clock at `at` (the host kernel).
        case firmware
        /// Spawned by the host with kexec: the image is copied into the instance's memory,
        /// the boot CPU initializes the kernel, then brings up the others one by one.
        case kexec
    }
    public enum Bringup: String, Sendable, CaseIterable {
        /// INIT, SIPI, SIPI: three interrupt-command writes per CPU.
        case initSIPI = "init-sipi"
        /// CPUs parked in a trampoline loop poll a mailbox line: one write wakes each.
        case trampoline
    }
    public var at: Picoseconds
    public var via: Via = .firmware
    /// Kernel image and initial ramdisk copied by the host (read and written at the
    /// instance's memory-node bandwidth).
    public var imageBytes: UInt64 = 32 << 20
    /// From the jump into the new kernel to starting its other CPUs.
    public var kernelInit = Picoseconds(us: 50_000)
    /// Per CPU brought up (the `cpu_up` path), serially.
    public var perCPU = Picoseconds(us: 20_000)
    public var bringup: Bringup = .initSIPI
    public init(at: Picoseconds = .zero) { self.at = at }
}

/// CPUs of a kernel going offline or coming back online at a time.
public struct HotplugEvent: Sendable, Hashable {
    public var at: Picoseconds
    public var cpus: [Int]
    public var online: Bool
    public init(at: Picoseconds, cpus: [Int], online: Bool) { self.at = at; self.cpus = cpus; self.online = online }
}

/// CPUs handed from one kernel instance to another at a time: the donor takes them offline
/// (its tasks move to its other CPUs), tells the receiver with a RESOURCE message, the
/// receiver brings them up and acknowledges.
public struct ResourceMove: Sendable, Hashable {
    public var at: Picoseconds
    public var cpus: [Int]
    public var from: Int
    public var to: Int
    /// Taking one CPU down in the donor, and bringing it up in the receiver (Linux CPU
    /// hot-plug: "tens of milliseconds", calibration README).
    public var perCPU: Picoseconds
    /// The channel that carries RESOURCE and ACK (nil: each is charged as one IPI and one
    /// line hand-off between the two kernels, without a ring).
    public var channel: Int?
    /// Memory handed over instead of CPUs (`cpus` is then empty).
    public var memory: MemoryMove?
    public init(at: Picoseconds, cpus: [Int], from: Int, to: Int, perCPU: Picoseconds = Picoseconds(us: 20_000), channel: Int? = nil,
                memory: MemoryMove? = nil) {
        self.at = at; self.cpus = cpus; self.from = from; self.to = to; self.perCPU = perCPU; self.channel = channel
        self.memory = memory
    }
}

/// Memory moved between instances by Linux memory hot-remove and hot-add, in whole memory
/// blocks: the donor offlines them (scanning each block's page descriptors, migrating the
/// pages in use elsewhere), the receiver onlines them (initializing their page descriptors).
public struct MemoryMove: Sendable, Hashable {
    public var bytes: UInt64
    /// Share of the range holding pages in use, which the donor must migrate out first.
    public var inUse: Double
    /// Per migrated page, beyond copying it: isolate, unmap, flush, remap (an assumption).
    public var migrateOverhead: Picoseconds
    /// x86-64 Linux's memory block (and section) size: the unit of hot(un)plug.
    public static let blockBytes: UInt64 = 128 << 20
    public static let pageBytes: UInt64 = 4096
    /// `struct page`: one per 4 KiB page.
    public static let pageDescriptorBytes: UInt64 = 64
    public init(bytes: UInt64, inUse: Double = 0, migrateOverhead: Picoseconds = Picoseconds(us: 2)) {
        self.bytes = bytes; self.inUse = inUse; self.migrateOverhead = migrateOverhead
    }
    public var pagesMigrated: UInt64 { UInt64((Double(bytes / Self.pageBytes) * inUse).rounded()) }
    /// The page descriptors of the range: read by the donor's offlining, written by the
    /// receiver's onlining.
    public var descriptorBytes: UInt64 { bytes / Self.pageBytes * Self.pageDescriptorBytes }
    /// What the donor's migration reads and writes: each page in use, once each way.
    public var migratedBytes: UInt64 { pagesMigrated * 2 * Self.pageBytes }
}

/// What a kernel-to-kernel message is, when the kernels send it themselves (carried in a
/// channel's slots; workloads' own messages are `data`).
public enum MessageFamily: UInt8, Sendable, CaseIterable {
    case data, resource, ack, heartbeat, shutdown
    /// Shared-page protocol: a page request, an invalidation, and a holder's answer to
    /// either (carrying the page when it answers a request).
    case page, invalidate, pageReply
    public var name: String { self == .pageReply ? "page_reply" : "\(self)" }
}

/// A kernel thread the model runs on its own behalf: it sends one message of `family`
/// (about move or kernel `subject`) when the model starts it, or heartbeats from the start.
public struct KernelThreadRole: Sendable, Hashable {
    public var family: MessageFamily
    public var subject: Int
    public init(family: MessageFamily, subject: Int = 0) { self.family = family; self.subject = subject }
    /// The tag its messages carry in their slots.
    var tag: UInt32 { UInt32(family.rawValue) << 24 | UInt32(truncatingIfNeeded: subject) & 0xFF_FFFF }
    /// The family and subject a slot's tag carries.
    init(tag: UInt32) {
        family = MessageFamily(rawValue: UInt8(tag >> 24)) ?? .data
        subject = Int(tag & 0xFF_FFFF)
    }
}

/// A shared-memory ring pair between two kernels (one ring per direction).
public struct ChannelConfig: Sendable {
    public var name: String
    public var kernels: (Int, Int)
    public var transport: ChannelTransport
    public var slots: Int
    public var slotBytes: Int
    /// Receiver's work per message, in interrupt context (linux, popcorn).
    public var handling: Picoseconds
    /// Messages drained per interrupt before the handler returns.
    public var drainBudget: Int
    /// URPC: core cycles of stub code per message at each end (marshalling and sending;
    /// receiving and dispatching). Calibrated in docs/kernel-model.md.
    public var stubCycles: UInt64
    /// URPC: a receiver that finds no message waits this long before looking again
    /// (zero: it spins on the slot, and sees the write at once).
    public var pollInterval: Picoseconds
    /// linux, urpc: a sender that finds the ring full for this long drops its message, and a
    /// task waiting this long for a reply gives up (zero: wait forever). A dead peer never
    /// drains its ring: this is how its peers see it.
    public var timeout: Picoseconds = .zero
    /// Each end sends a SYSTEM heartbeat this often (a kernel thread per end, workload
    /// `<channel>.heartbeat`); peers of a dead instance see them stop.
    public var heartbeat: Picoseconds?

    /// URPC stub cycles: Barrelfish's 180-cycle one-way latency between cores sharing an
    /// L2 on the 2x4-core Intel, less the two line transfers the model charges there.
    public static let defaultStubCycles: UInt64 = 76

    public init(name: String, kernels: (Int, Int), transport: ChannelTransport = .linux, slots: Int? = nil, slotBytes: Int = 64,
                handling: Picoseconds = Picoseconds(ns: 100), drainBudget: Int? = nil,
                stubCycles: UInt64 = ChannelConfig.defaultStubCycles, pollInterval: Picoseconds = .zero) {
        self.name = name; self.kernels = kernels; self.transport = transport
        self.slots = slots ?? transport.traits.defaultSlots; self.slotBytes = slotBytes
        self.handling = handling; self.drainBudget = drainBudget ?? transport.traits.defaultBudget
        self.stubCycles = stubCycles; self.pollInterval = pollInterval
    }
}

/// Tasks moving to another kernel instance: each leaves at its next preemption point (or
/// when it next wakes), its state (`stateBytes`: registers, kernel stack, task and mm
/// descriptors) travels by messages, and it is placed by the new instance's scheduler.
public struct TaskMigration: Sendable, Hashable {
    public var at: Picoseconds
    public var to: Int
    public var stateBytes: UInt64
    public init(at: Picoseconds, to: Int, stateBytes: UInt64 = 16 << 10) { self.at = at; self.to = to; self.stateBytes = stateBytes }
}

/// The generator of a workload, with names still symbolic (resolved per kernel).
public enum WorkloadGenerator: Sendable {
    case syscallLoop(syscall: String, userCycles: UInt64, sleep: Picoseconds = .zero)
    /// A will-it-scale testcase (`WillItScaleTestcase`), its paths named in the kernel's
    /// profile; in `processes` mode each task has an address space (and file table) of its own.
    case willItScale(testcase: WillItScaleTestcase, mode: WillItScaleMode)
    case computeMemory(computeCycles: UInt64, accesses: Int, privateLines: Int, sharedLines: Int,
                       sharedFraction: Double, writeFraction: Double, atomicFraction: Double, sharedAcrossCopies: Bool,
                       pattern: AccessPattern = .random)
    case pingPong
    /// lmbench lat_pipe: two tasks pass a message back and forth through two pipes.
    case pipePingPong
    /// A producer and a consumer (2 threads per copy) pass items through a ring of `slots`
    /// shared lines, each polling its next slot: work `produceCycles` per item, then publish;
    /// wait for an item, work `consumeCycles`, free the slot.
    case producerConsumer(slots: Int, produceCycles: UInt64, consumeCycles: UInt64)
    /// Popcorn-style shared pages: the workload's copies share a region of `pages` pages,
    /// replicated for reading and invalidated for writing between instances by messages.
    case sharedPages(pages: Int, accesses: Int, writeFraction: Double, computeCycles: UInt64)
    /// The kernel thread of each instance of a shared-pages workload (by index) that answers
    /// the other instances' page requests and invalidations with messages (added by the model).
    case pageServer(workload: Int)
    case ipiRing(handling: Picoseconds)
    /// Send messages on a channel; with `reply`, wait for the answer before the next (a
    /// ping-pong: one operation is one round trip).
    case messages(channel: Int, userCycles: UInt64, reply: Bool = false, interval: Picoseconds = .zero, bytes: UInt32 = 0)
    /// Receive messages on a channel (polling its ring), doing `userCycles` of work on each,
    /// answering each with `reply`. Channels whose receiver is an interrupt handler
    /// (linux, popcorn) need no such task.
    case receive(channel: Int, userCycles: UInt64, reply: Bool)
    /// A server waiting on several channels at once (a Barrelfish waitset): takes the next
    /// message of whichever has one, polling each in turn, works `userCycles` on it and with
    /// `reply` answers on the channel it came from. Polling channels only (`urpc`).
    case serve(channels: [Int], userCycles: UInt64, reply: Bool)
    /// Unmap pages of an address space spanning `span` CPUs of the kernel (nil: all) and
    /// shoot down their TLB entries by `protocol`; each CPU spends `invalidate`.
    /// `twoPhase`: a two-phase commit over the protocol's messages (prepare and votes, then
    /// commit and acknowledgements), for designs where every replica must agree first.
    /// `design`: the kernel work around the messages (none, or Barrelfish's monitors).
    case shootdown(protocol: ShootdownProtocol, span: Int?, invalidate: Picoseconds, addressing: IPIAddressing, twoPhase: Bool = false,
                   design: ShootdownDesign = .bare)
    /// Take a lock, hold it `holdCycles`, release it, work `outsideCycles`: a lock of its
    /// own per copy (or one for all copies with `sharedAcrossCopies`).
    case lockLoop(algorithm: LockAlgorithm, holdCycles: UInt64, outsideCycles: UInt64, sharedAcrossCopies: Bool, readFraction: Double = 0,
                  irqsave: Bool = false)
    case periodic(runCycles: UInt64, period: Picoseconds)
    case interactive(runCycles: UInt64, think: Picoseconds)
    /// One task sends an IPI to `targets` other CPUs (nil: all others of its kernel) and
    /// waits until every handler has acknowledged (smp_call_function_many with wait).
    case ipiBroadcast(targets: Int?, addressing: IPIAddressing, handling: Picoseconds)
    /// A misbehaving instance: one task sends IPIs to the CPUs of kernel `target` in turn,
    /// `gap` apart. Nothing stops it: the targets pay every interrupt's entry and exit.
    case ipiFlood(target: Int, gap: Picoseconds, nmi: Bool = false)
    /// Writes into the kernel objects of instance `target` (its locks and per-instance and
    /// per-CPU lines, in its memory; only those of the profile object `object` when given) in
    /// turn, `gap` apart: a misbehaving instance. `corrupt`: store garbage instead of a locked
    /// add of zero, so that what the target computes from those words is wrong.
    case foreignWrites(target: Int, gap: Picoseconds, corrupt: Bool = false, object: String? = nil)
    /// The threads of one traced process (`trace.threads` tasks, dealt to the workload's
    /// kernels in turn, sharing one address space), replayed from a native trace.
    case trace(TraceWorkload)
}

/// A traced workload: the opened trace and how its program's locks are modeled.
public struct TraceWorkload: Sendable {
    public var file: TraceFile
    /// The algorithm of the locks the trace's `lock`/`unlock` records name by address.
    public var locks: LockAlgorithm
    public init(file: TraceFile, locks: LockAlgorithm = .mutex) { self.file = file; self.locks = locks }
}

/// How a TLB shootdown reaches the CPUs of an address space.
public enum ShootdownProtocol: String, Sendable, CaseIterable {
    /// SMP kernel: one IPI per CPU (or per cluster), handlers invalidate and count an ack.
    case ipi
    /// A message (one cache line) to every CPU's kernel, one after another; an ack line each.
    case unicast
    /// One shared request line every CPU's kernel polls; an ack line each.
    case broadcast
    /// A message to one aggregator per socket, which forwards on its socket and gathers acks.
    case multicast
    /// Multicast with the farthest sockets served first (Barrelfish's NUMA-aware multicast).
    case numaMulticast = "numa-multicast"
}

/// The kernel design around a message shootdown's lines.
public enum ShootdownDesign: Sendable, Hashable {
    /// The protocol's lines alone: no message stubs, no kernel crossings (a lower bound).
    case bare
    /// Barrelfish (Baumann et al., SOSP 2009, sections 4 and 5.2): the user domain asks its
    /// core's monitor by LRPC; the monitor looks up the capability and updates its replica of
    /// the page table, then messages the other cores' monitors by the protocol (a URPC stub at
    /// each end of every message); each monitor invokes its CPU driver to invalidate and
    /// acknowledges; the initiating monitor replies to the user when every ack is in.
    case barrelfish(BarrelfishCosts)
}

/// The costs of Barrelfish's unmap path around its messages, in core cycles.
public struct BarrelfishCosts: Sendable, Hashable {
    /// The user's LRPC to its monitor, call and reply (nil: the published figure for the
    /// machine, `publishedLRPC`); half is paid before the round, half after.
    public var lrpcCycles: UInt64?
    /// Marshalling or unmarshalling one message (the calibrated URPC stub, docs/validation.md).
    public var stubCycles: UInt64 = ChannelConfig.defaultStubCycles
    /// The initiating monitor's capability lookup and replica page-table update (assumption).
    public var capabilityCycles: UInt64 = 300
    /// A monitor's invocation of its CPU driver to invalidate, trap and return (assumption).
    public var driverCallCycles: UInt64 = 150

    public init(lrpcCycles: UInt64? = nil) { self.lrpcCycles = lrpcCycles }

    /// Same-core LRPC on the paper's machines (calibration README, Baumann et al. 2009).
    public static func publishedLRPC(machine: String) -> UInt64? {
        let published: [(String, UInt64)] = [("opteron-8x4", 1549), ("intel-2x4-2009", 845)]
        return published.first { machine == $0.0 || machine.hasPrefix($0.0 + " ") }?.1
    }
}

/// How `compute-memory` walks its private lines.
public enum AccessPattern: String, Sendable, CaseIterable {
    /// Uniformly at random.
    case random
    /// In order, around a ring, each load waiting for the one before (a pointer chase).
    case sequential
    /// In order, loads independent and overlapped (a streaming read).
    case stream
}

/// A real-time scheduling class for a workload's tasks (sched(7)).
public struct RealtimeConfig: Sendable, Hashable {
    /// 1 (lowest) … 99 (highest).
    public var priority: UInt8
    /// SCHED_RR (time-sliced within a priority) instead of SCHED_FIFO.
    public var roundRobin: Bool
    public init(priority: UInt8, roundRobin: Bool = false) { self.priority = priority; self.roundRobin = roundRobin }
}

/// A workload: a generator run by `threads` tasks in each kernel it is placed on.
public struct WorkloadConfig: Sendable {
    public struct Copy: Sendable {
        public var kernel: Int
        public var threads: Int
        /// Optional pinning: thread i runs on `pin[i]`.
        public var pin: [Int]?
        public init(kernel: Int, threads: Int, pin: [Int]? = nil) { self.kernel = kernel; self.threads = threads; self.pin = pin }
    }
    public var name: String
    public var copies: [Copy]
    public var generator: WorkloadGenerator
    public var stop: StopRule
    public var startAt: Picoseconds
    /// Scheduling priority, -20 (most CPU) to 19, as Linux's nice: weight 1024 at 0.
    public var nice: Int
    /// Real-time class, above every normal task (nil: a normal task).
    public var realtime: RealtimeConfig?
    /// Requested slice for policies that take one (EEVDF); zero: the policy's default.
    public var slice: Picoseconds = .zero
    /// Thread i of each copy starts at `startAt + i × stagger` (tasks arriving over time).
    public var stagger: Picoseconds
    /// Popcorn-style migration of every task of the workload to another instance at a time.
    public var migrate: TaskMigration?
    /// Set for the kernel threads the model adds (heartbeats, RESOURCE and ACK senders, page
    /// servers).
    public var kernelThread: KernelThreadRole?

    public init(name: String, copies: [Copy], generator: WorkloadGenerator, stop: StopRule, startAt: Picoseconds = .zero,
                nice: Int = 0, realtime: RealtimeConfig? = nil, stagger: Picoseconds = .zero) {
        self.name = name; self.copies = copies; self.generator = generator; self.stop = stop; self.startAt = startAt
        self.nice = nice; self.realtime = realtime; self.stagger = stagger
    }
}

/// A device owned by a kernel instance, raising interrupts on one of its CPUs (its
/// interrupt affinity): a NIC's receive interrupts, a storage completion queue's.
public struct DeviceConfig: Sendable, Hashable {
    public enum Arrivals: String, Sendable, CaseIterable {
        /// Exactly `every` apart.
        case periodic
        /// Independent arrivals at a mean rate of one per `every` (exponential gaps).
        case poisson
    }
    public var name: String
    public var kernel: Int
    public var cpu: Int
    public var every: Picoseconds
    public var arrivals: Arrivals
    /// The handler's work per run (after the interrupt's entry cost), interrupts disabled.
    public var handling: Picoseconds
    public var start: Picoseconds
    /// Interrupts to raise (nil: until the run's duration).
    public var count: UInt64?

    public init(name: String, kernel: Int, cpu: Int, every: Picoseconds, arrivals: Arrivals = .periodic,
                handling: Picoseconds, start: Picoseconds = .zero, count: UInt64? = nil) {
        self.name = name; self.kernel = kernel; self.cpu = cpu; self.every = every; self.arrivals = arrivals
        self.handling = handling; self.start = start; self.count = count
    }
}

/// Everything needed to run one simulation.
public struct SimulationConfig: Sendable {
    public var machine: MachineSpec
    public var kernels: [KernelConfig]
    public var channels: [ChannelConfig]
    public var workloads: [WorkloadConfig]
    public var moves: [ResourceMove] = []
    public var devices: [DeviceConfig] = []
    public var seed: UInt64
    /// Simulated time limit (nil: until every task has finished).
    public var duration: Picoseconds?
    /// The most host memory the model may take (its `ModelFootprint` estimate), refused
    /// before it is built above that (`--max-memory` raises it).
    public var memoryLimit: UInt64 = ModelFootprint.defaultLimit

    public init(machine: MachineSpec, kernels: [KernelConfig], channels: [ChannelConfig] = [], workloads: [WorkloadConfig],
                seed: UInt64 = 1, duration: Picoseconds? = nil) {
        self.machine = machine; self.kernels = kernels; self.channels = channels
        self.workloads = workloads; self.seed = seed; self.duration = duration
    }
}

/// A configuration the kernel model cannot run, described for the user.
/// A configuration the build step rejects: what is wrong, and the item it is about (so that
/// the scenario reader can say where that item is written).
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var subject: ConfigurationSubject?
    /// The subject's key the error is about (`channel`, `cpus` …), when one is.
    public var key: String?
    public init(_ message: String, about subject: ConfigurationSubject? = nil, key: String? = nil) {
        self.message = message; self.subject = subject; self.key = key
    }
    public var description: String { message }
}

/// An item of a configuration, by the name the scenario gives it (a move by its index).
public enum ConfigurationSubject: Sendable, Hashable {
    case kernel(String), channel(String), workload(String), device(String), move(Int), machine
}
