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
    var moves = MoveTable()
    var devices: [DeviceRuntime] = []
    /// Per kernel, the task that sends its SYSTEM shutdown message (none: halted directly).
    var shutdownSenders: [Int: Int] = [:]
    /// Whether each task may leave its CPU (not pinned), by task id.
    var movableTasks: [Bool] = []
    /// Cycles of user work a CPU executes at once (about `maxRunAhead`).
    let computeChunk: UInt64
    /// Where the run's observations go (`attach`); nil: none are made.
    var observer: (any Observer)?

    public init(_ config: SimulationConfig) throws(ConfigurationError) {
        var config = config
        let (incoming, offliners) = try Self.prepareMoves(&config)
        var build = BuildState(incomingCPUs: incoming, offlinerWorkloads: offliners)
        try Self.prepareHeartbeats(&config)
        Self.prepareShutdowns(&config)
        Self.preparePageServers(&config)
        self.config = config
        let m = config.machine
        let topo = m.topology
        let table = LatencyTable.forMachine(named: m.name)
        timing = CoreTiming(frequency: m.frequency, table: table)
        computeChunk = max(1, UInt64(m.frequency.cycles(in: Self.maxRunAhead)))
        directory = CoherenceDirectory(topology: topo, spec: m.coherence, memory: m.memory,
                                       hitLatency: m.hitLatency, frequency: m.frequency, caches: m.caches)
        apic = LocalAPICs(spec: m.apic, topology: topo)
        cpus = FixedArray(repeating: CPUState(), count: topo.cpuCount)
        tlb = TLBTable(cpuCount: topo.cpuCount)
        try buildKernels(build)
        try applyCachePartitions()
        try buildChannels()
        try buildWorkloads(&build)
        movableTasks = build.tasks.map { $0.pinnedLocal == nil }
        for k in kernels.indices {
            guard let s = makeScheduler(kernel: k, tasks: build.tasks) else {
                let kc = kernels[k].config
                throw ConfigurationError("kernel '\(kc.name)': no scheduling policy named '\(kc.scheduler.policy)'; known: \(SchedulerRegistry.names.joined(separator: ", "))")
            }
            kernels[k].scheduler = s
        }
        guard memory.regions.isEmpty || build.tasks.count < 1 << 24 else {
            throw ConfigurationError("shared pages name their sender in 24 bits: at most 16,777,215 tasks")
        }
        tasks = FixedArray(build.tasks)
        try scheduleHotplug()
        scheduleLifecycle()
        scheduleMoves(offliners: build.offlinerWorkloads)
        try scheduleDevices()
        try scheduleMigrations()
    }

    /// Kernel `k`'s scheduling policy and real-time queues, sized for `all` the tasks of
    /// the simulation (a respawned kernel gets fresh ones); nil: no such policy.
    mutating func makeScheduler(kernel k: Int, tasks all: [TaskState]) -> Scheduler? {
        let kc = kernels[k].config
        kernels[k].realtime = RealtimeQueues(cpuCount: kc.cpus.count, priorities: all.map(\.rtPriority))
        let context = SchedulerContext(cpuCount: kc.cpus.count, weights: all.map(\.weight), requests: all.map(\.slice),
                                       seed: SplitMix64(seed: config.seed, stream: [0x7363_6865_6400, UInt64(k)]).state, kernel: k)
        return Scheduler(kc.scheduler.policy, context: context)
    }

    // MARK: Building

    private mutating func buildKernels(_ build: BuildState) throws(ConfigurationError) {
        let n = cpus.count
        for (k, kc) in config.kernels.enumerated() {
            if kc.cpus.isEmpty { throw ConfigurationError("kernel '\(kc.name)' has no CPUs") }
            // CPUs a move will bring in are in the list (their scheduler slots) but not yet owned.
            for c in kc.cpus where !build.incomingCPUs.contains(k << 20 | c) {
                guard c >= 0 && c < n else { throw ConfigurationError("kernel '\(kc.name)': CPU \(c) does not exist (the machine has \(n))") }
                if cpus[c].kernel >= 0 {
                    throw ConfigurationError("CPU \(c) is given to both '\(config.kernels[cpus[c].kernel].name)' and '\(kc.name)'")
                }
            }
            for (i, c) in kc.cpus.enumerated() where !build.incomingCPUs.contains(k << 20 | c) {
                cpus[c].kernel = k
                cpus[c].local = i
            }
            // Kernel objects: one line (or lock) per scope instance.
            var objectBase: [Int] = []
            var objectLines: [LineID] = []
            for obj in kc.profile.objects {
                let count = obj.scope == .cpu ? kc.cpus.count : 1
                if obj.scope == .machine, let existing = machineObject(named: obj.name, kernelsBefore: k) {
                    objectBase.append(existing); continue
                }
                switch obj.kind {
                case .line:
                    var first = -1
                    for i in 0..<count {
                        let suffix = obj.scope == .cpu ? "[cpu\(kc.cpus[i])]" : ""
                        let owner = obj.scope == .machine ? "machine" : kc.name
                        let id = Int(directory.allocate(name: "\(owner).\(obj.name)\(suffix)", home: kc.memoryNode))
                        if first < 0 { first = id }
                        if obj.scope != .machine { objectLines.append(LineID(id)) }
                    }
                    objectBase.append(first)
                case .lock(let algorithm):
                    let stat = locks.stats.count
                    locks.stats.append(LockStats(kernel: obj.scope == .machine ? -1 : k, name: obj.name, algorithm: algorithm))
                    let first = locks.records.count
                    for i in 0..<count {
                        let suffix = obj.scope == .cpu ? "[cpu\(kc.cpus[i])]" : ""
                        let owner = obj.scope == .machine ? "machine" : kc.name
                        let line = directory.allocate(name: "\(owner).\(obj.name)\(suffix)", home: kc.memoryNode)
                        locks.records.append(LockRecord(line: line, algorithm: algorithm, stat: stat, irqsave: obj.irqsave))
                        if obj.scope != .machine { objectLines.append(line) }
                    }
                    objectBase.append(first)
                }
            }
            // Syscall paths, resolved against those objects; entry/exit cost first.
            var resolved: [[ResolvedStep]] = []
            for path in kc.profile.syscalls {
                var steps = [ResolvedStep(kind: .compute, base: 0, perCPU: false, delay: kc.profile.entryExit)]
                for s in path.steps {
                    func obj(_ i: Int, _ kind: ResolvedStep.Kind) -> ResolvedStep {
                        ResolvedStep(kind: kind, base: objectBase[i], perCPU: kc.profile.objects[i].scope == .cpu, delay: .zero)
                    }
                    switch s {
                    case .compute(let d): steps.append(ResolvedStep(kind: .compute, base: 0, perCPU: false, delay: d))
                    case .read(let o): steps.append(obj(o, .read))
                    case .write(let o): steps.append(obj(o, .write))
                    case .atomic(let o): steps.append(obj(o, .atomic))
                    case .lock(let o): steps.append(obj(o, .lock))
                    case .unlock(let o): steps.append(obj(o, .unlock))
                    case .pipeRead: steps.append(ResolvedStep(kind: .pipeRead, base: 0, perCPU: false, delay: .zero))
                    case .pipeWrite: steps.append(ResolvedStep(kind: .pipeWrite, base: 0, perCPU: false, delay: .zero))
                    case .yield: steps.append(ResolvedStep(kind: .yield, base: 0, perCPU: false, delay: .zero))
                    case .tlbShootdown(let invalidate, let freedTables):
                        steps.append(ResolvedStep(kind: freedTables ? .tlbShootdownFreedTables : .tlbShootdown,
                                                  base: 0, perCPU: false, delay: invalidate))
                    }
                }
                resolved.append(steps)
            }
            // The scheduler is made once the tasks (and their weights) exist.
            var runtime = KernelRuntime(config: kc, scheduler: Scheduler.parked, syscalls: resolved)
            runtime.objectLines = objectLines
            runtime.pipeRead = kc.profile.syscallIndex("pipe_read") ?? -1
            runtime.pipeWrite = kc.profile.syscallIndex("pipe_write") ?? -1
            (runtime.loadedAt, runtime.activeAt, runtime.cpuUpAt) = Self.bootTimeline(kc, machine: config.machine)
            if let again = Self.respawnTimeline(kc, machine: config.machine) {
                runtime.respawnAt = again.at
                runtime.respawnTimeline = again.timeline
            }
            runtime.objectBase = objectBase
            kernels.append(runtime)
        }
    }

    private func machineObject(named name: String, kernelsBefore k: Int) -> Int? {
        for j in 0..<k {
            let p = config.kernels[j].profile
            if let i = p.objectIndex(name), p.objects[i].scope == .machine { return kernels[j].objectBase[i] }
        }
        return nil
    }

    private mutating func buildChannels() throws(ConfigurationError) {
        for (ci, ch) in config.channels.enumerated() {
            let (a, b) = ch.kernels
            guard a != b, a >= 0, b >= 0, a < kernels.count, b < kernels.count else {
                throw ConfigurationError("channel '\(ch.name)' must connect two different kernels")
            }
            guard ch.slots >= 1 else { throw ConfigurationError("channel '\(ch.name)' needs at least one slot") }
            for (from, to) in [(a, b), (b, a)] {
                let index = channels.rings.count
                guard index < Vectors.maxRings else { throw ConfigurationError("at most \(Vectors.maxRings / 2) channels are supported") }
                let kc = config.kernels[to]
                let prefix = "\(ch.name).\(config.kernels[from].name)->\(kc.name)"
                let head = directory.allocate(name: prefix + ".head", home: kc.memoryNode)
                let tail = directory.allocate(name: prefix + ".tail", home: kc.memoryNode)
                var slotBase: LineID = -1
                for s in 0..<ch.slots {
                    let id = directory.allocate(name: prefix + ".slot[\(s)]", home: kc.memoryNode)
                    if slotBase < 0 { slotBase = id }
                }
                var ring = RingState(channel: ci, from: from, to: to, transport: ch.transport, slots: ch.slots, head: head, tail: tail,
                                     slotBase: slotBase, sentAt: Array(repeating: .zero, count: ch.slots),
                                     tags: Array(repeating: 0, count: ch.slots),
                                     receiverCPU: kc.cpus[0], vector: Vectors.channelBase + UInt8(index),
                                     handling: ch.handling, budget: max(1, ch.drainBudget), slotBytes: ch.slotBytes)
                let traits = ch.transport.traits
                ring.timeout = traits.senderCanTimeOut ? ch.timeout : .zero
                if traits.ackLineAndStub {
                    ring.ackLine = directory.allocate(name: prefix + ".ack", home: config.kernels[from].memoryNode)
                    ring.stub = config.machine.frequency.duration(cycles: ch.stubCycles)
                    ring.pollInterval = ch.pollInterval
                }
                if traits.drainingFlag {
                    ring.activeLine = directory.allocate(name: prefix + ".draining", home: kc.memoryNode)
                }
                channels.ringIndex.append(Int32(index))
                channels.rings.append(ring)
            }
        }
    }

    private mutating func buildWorkloads(_ build: inout BuildState) throws(ConfigurationError) {
        for (w, wc) in config.workloads.enumerated() {
            var stats = WorkloadStats(name: wc.name)
            if case .trace(let trace) = wc.generator {
                try buildTrace(trace, workload: w, config: wc, stats: &stats, into: &build)
                workloadStats.append(stats)
                continue
            }
            var sharedPool: (LineID, Int)?
            var sharedLock: Int?
            var region: UInt16 = 0
            if case .sharedPages(let pages, _, _, _) = wc.generator {
                region = try buildSharedRegion(workload: w, pages: pages)
                memory.regionOfWorkload[w] = Int(region)
            }
            for (copyIndex, copy) in wc.copies.enumerated() {
                guard copy.kernel >= 0 && copy.kernel < kernels.count else {
                    throw ConfigurationError("workload '\(wc.name)' is placed on a kernel that does not exist")
                }
                let kc = config.kernels[copy.kernel]
                if let pin = copy.pin {
                    for c in pin where !kc.cpus.contains(c) {
                        throw ConfigurationError("workload '\(wc.name)': CPU \(c) in 'pin' is not a CPU of kernel '\(kc.name)'")
                    }
                }
                // Per-copy resources.
                var copyShared: (LineID, Int)?
                var pingLine: LineID = -1
                var copyLock = -1
                switch wc.generator {
                case .computeMemory(_, _, _, let sharedLines, _, _, _, let acrossCopies, _) where sharedLines > 0:
                    if acrossCopies, let p = sharedPool { copyShared = p } else {
                        var base: LineID = -1
                        for i in 0..<sharedLines {
                            let id = directory.allocate(name: "\(wc.name)[\(kc.name)].shared[\(i)]", home: kc.memoryNode)
                            if base < 0 { base = id }
                        }
                        copyShared = (base, sharedLines)
                        if acrossCopies { sharedPool = copyShared }
                    }
                case .lockLoop(let algorithm, _, _, let acrossCopies, _, let irqsave):
                    if acrossCopies, let shared = sharedLock { copyLock = shared } else {
                        let stat = locks.stats.count
                        locks.stats.append(LockStats(kernel: copy.kernel, name: "\(wc.name).lock", algorithm: algorithm))
                        copyLock = locks.records.count
                        locks.records.append(LockRecord(line: directory.allocate(name: "\(wc.name)[\(kc.name)].lock", home: kc.memoryNode),
                                                algorithm: algorithm, stat: stat, irqsave: irqsave))
                        if acrossCopies { sharedLock = copyLock }
                    }
                case .pipePingPong:
                    guard copy.threads <= 2 else {
                        throw ConfigurationError("workload '\(wc.name)': pipe-pingpong runs 2 threads per copy (or 1, writing and reading its own pipe)")
                    }
                    guard kernels[copy.kernel].pipeRead >= 0 && kernels[copy.kernel].pipeWrite >= 0 else {
                        throw ConfigurationError("workload '\(wc.name)': profile '\(kc.profile.name)' has no pipe_read/pipe_write")
                    }
                    for end in ["ab", "ba"] {
                        memory.pipes.append(PipeState(line: directory.allocate(name: "\(wc.name)[\(kc.name)].pipe_\(end)", home: kc.memoryNode),
                                               kernel: copy.kernel))
                    }
                case .producerConsumer(let slots, _, _):
                    guard copy.threads == 2 else {
                        throw ConfigurationError("workload '\(wc.name)': producer-consumer runs 2 threads per copy (a producer and a consumer)")
                    }
                    for s in 0..<slots {
                        let id = directory.allocate(name: "\(wc.name)[\(kc.name)].slot[\(s)]", home: kc.memoryNode)
                        if s == 0 { pingLine = id }
                    }
                case .pingPong:
                    guard copy.threads == 2 else { throw ConfigurationError("workload '\(wc.name)': ping-pong needs exactly 2 threads per copy") }
                    pingLine = directory.allocate(name: "\(wc.name)[\(kc.name)].line", home: kc.memoryNode)
                case .ipiBroadcast:
                    guard copy.threads == 1 else {
                        throw ConfigurationError("workload '\(wc.name)': an ipi-broadcast has one sending thread per kernel")
                    }
                case .ipiRing:
                    guard copy.threads == kc.cpus.count || copy.pin != nil else {
                        throw ConfigurationError("workload '\(wc.name)': an ipi-ring needs one thread per CPU of '\(kc.name)' (\(kc.cpus.count)), or a pin list")
                    }
                case .messages(let ch, _, let reply, _, _), .receive(let ch, _, let reply):
                    guard ch >= 0 && ch < config.channels.count else { throw ConfigurationError("workload '\(wc.name)': unknown channel") }
                    let channel = config.channels[ch]
                    let (a, b) = channel.kernels
                    guard copy.kernel == a || copy.kernel == b else {
                        throw ConfigurationError("workload '\(wc.name)' runs on '\(kc.name)', which channel '\(channel.name)' does not connect")
                    }
                    var receives = reply
                    if case .receive = wc.generator { receives = true }
                    if receives && channel.transport.traits.receiver != .pollingTask {
                        throw ConfigurationError("workload '\(wc.name)': on channel '\(channel.name)' (transport \(channel.transport.rawValue)) the receiving kernel drains messages in its interrupt handler; tasks receive and reply only on \(ChannelTransport.named { $0.receiver == .pollingTask }) channels")
                    }
                default: break
                }
                let ringCPUs = copy.pin ?? Array(kc.cpus.prefix(copy.threads))
                var threadCount = copy.threads
                var span: [Int] = []
                var roles: [ShootdownRole] = []
                if case .shootdown(let proto, let n, let invalidate, _, let twoPhase) = wc.generator {
                    // The address space spans the kernel's first n CPUs (pinned: the span, in order).
                    span = copy.pin ?? Array(kc.cpus.prefix(n ?? kc.cpus.count))
                    guard span.count >= 2 else {
                        throw ConfigurationError("workload '\(wc.name)': a shootdown needs an address space over at least 2 CPUs")
                    }
                    if twoPhase && proto == .ipi {
                        throw ConfigurationError("workload '\(wc.name)': a two-phase commit needs a message protocol (unicast, broadcast, multicast, numa-multicast), not ipi")
                    }
                    roles = shootdownRoles(span: span, protocol: proto, invalidate: invalidate, workload: "\(wc.name)[\(kc.name)]")
                    for i in roles.indices { roles[i].phases = twoPhase ? 2 : 1 }
                    threadCount = proto == .ipi ? 1 : span.count
                }
                for thread in 0..<threadCount {
                    let kind: GeneratorKind
                    switch wc.generator {
                    case .syscallLoop(let name, let user, let sleep):
                        guard let s = kc.profile.syscallIndex(name) else {
                            throw ConfigurationError("workload '\(wc.name)': profile '\(kc.profile.name)' of kernel '\(kc.name)' has no syscall '\(name)'")
                        }
                        kind = .syscallLoop(syscall: UInt16(s), userCycles: user, sleep: sleep)
                    case .computeMemory(let cycles, let accesses, let privateLines, _, let sf, let wf, let af, _, let pattern):
                        var base: LineID = -1
                        for i in 0..<privateLines {
                            let id = directory.allocate(name: "\(wc.name)[\(kc.name)].t\(thread).private[\(i)]", home: kc.memoryNode)
                            if base < 0 { base = id }
                        }
                        var params = ComputeMemoryParams(
                            computeCycles: cycles, accesses: accesses, privateBase: base, privateCount: privateLines,
                            sharedBase: copyShared?.0 ?? -1, sharedCount: copyShared?.1 ?? 0,
                            sharedFraction: sf, writeFraction: wf, atomicFraction: af)
                        params.sequential = pattern != .random
                        params.stream = pattern == .stream
                        kind = .computeMemory(params)
                    case .pingPong:
                        kind = .pingPong(line: pingLine, role: thread)
                    case .pageServer(let shared):
                        guard let r = memory.regionOfWorkload[shared] else {
                            throw ConfigurationError("workload '\(wc.name)': serves a workload without shared pages")
                        }
                        memory.regions[r].serverWorkload = w
                        kind = .pageServer(region: UInt16(r))
                    case .sharedPages(let pages, let accesses, let writes, let compute):
                        kind = .sharedPages(region: region, pages: UInt32(pages), accesses: accesses, writeFraction: writes,
                                            computeCycles: compute)
                    case .producerConsumer(let slots, let produce, let consume):
                        kind = .producerConsumer(base: pingLine, slots: slots, role: thread, work: thread == 0 ? produce : consume)
                    case .pipePingPong:
                        kind = .pipePingPong(a: UInt32(memory.pipes.count - 2), b: UInt32(memory.pipes.count - 1), role: copy.threads == 1 ? -1 : thread)
                    case .ipiRing(let handling):
                        let me = ringCPUs[thread]
                        let next = ringCPUs[(thread + 1) % ringCPUs.count]
                        cpus[me].ringNext = Int32(next)
                        cpus[me].ringHandling = handling
                        cpus[me].ringWorkload = w
                        kind = .ipiRingStart(next: Int32(next), vector: Vectors.ring, handling: handling)
                    case .messages(let ch, let user, let reply, let interval, let bytes):
                        let channel = config.channels[ch]
                        if bytes > UInt32(clamping: channel.slotBytes) && !channel.transport.traits.splitsMessages {
                            throw ConfigurationError("workload '\(wc.name)': \(bytes)-byte messages do not fit channel '\(channel.name)''s \(channel.slotBytes)-byte slots; only \(ChannelTransport.named { $0.splitsMessages }) channels split messages into chunks")
                        }
                        kind = .messages(channel: UInt16(ch), userCycles: user, reply: reply, interval: interval, bytes: bytes)
                    case .receive(let ch, let user, let reply):
                        kind = .receive(channel: UInt16(ch), userCycles: user, reply: reply)
                    case .lockLoop(let algorithm, let hold, let outside, _, let reads, _):
                        kind = .lockLoop(lock: UInt32(copyLock), holdCycles: hold, outsideCycles: outside,
                                         readFraction: algorithm == .rwlock ? reads : 0)
                    case .periodic(let run, let period):
                        kind = .periodic(runCycles: run, period: period)
                    case .interactive(let run, let think):
                        kind = .interactive(runCycles: run, think: think)
                    case .ipiBroadcast(let count, let addressing, let handling):
                        let sender = copy.pin?.first ?? kc.cpus[0]
                        let targets = broadcastTargets(sender: sender, kernel: copy.kernel, count: count, addressing: addressing)
                        kind = try broadcastKind(workload: wc.name, kernel: copy.kernel, targets: targets, addressing: addressing,
                                                 handling: handling)
                    case .foreignWrites(let target, let gap, let corrupt, let object):
                        guard config.kernels.indices.contains(target), !kernels[target].objectLines.isEmpty else {
                            throw ConfigurationError("workload '\(wc.name)': foreign-writes needs a target kernel with kernel objects")
                        }
                        var lines = kernels[target].objectLines
                        if let object {
                            // The object's line, or its lines per CPU, by the names they were allocated under.
                            let prefix = "\(config.kernels[target].name).\(object)"
                            lines = lines.filter { let n = directory.names[Int($0)]; return n == prefix || n.hasPrefix(prefix + "[") }
                            guard !lines.isEmpty else {
                                throw ConfigurationError("workload '\(wc.name)': kernel '\(config.kernels[target].name)' has no object '\(object)' in its memory")
                            }
                        }
                        kind = .foreignWrites(lines: lines, gap: gap, corrupt: corrupt)
                    case .ipiFlood(let target, let gap, let nmi):
                        guard target >= 0 && target < config.kernels.count else {
                            throw ConfigurationError("workload '\(wc.name)': an ipi-flood targets a kernel that does not exist")
                        }
                        kind = .ipiFlood(targets: config.kernels[target].cpus.map { Int32($0) }, vector: nmi ? Vectors.nmi : Vectors.flood, gap: gap)
                    case .trace:
                        preconditionFailure("traces are built by buildTrace")
                    case .shootdown(let proto, _, let invalidate, let addressing, _):
                        if proto == .ipi {
                            let targets = span.dropFirst().sorted { (apic.clusterOf[$0], $0) < (apic.clusterOf[$1], $1) }
                            kind = try broadcastKind(workload: wc.name, kernel: copy.kernel, targets: targets, addressing: addressing,
                                                     handling: invalidate)
                        } else {
                            kind = .shootdown(roles[thread])
                        }
                    }
                    let rng = SplitMix64(seed: config.seed, stream: [UInt64(w), UInt64(copyIndex), UInt64(thread)])
                    var pinnedLocal: Int?
                    if let pin = copy.pin { pinnedLocal = kc.cpus.firstIndex(of: pin[thread % pin.count]) }
                    if case .ipiRing = wc.generator { pinnedLocal = kc.cpus.firstIndex(of: ringCPUs[thread]) }
                    if case .ipiBroadcast = wc.generator { pinnedLocal = kc.cpus.firstIndex(of: copy.pin?.first ?? kc.cpus[0]) }
                    if case .shootdown = wc.generator { pinnedLocal = kc.cpus.firstIndex(of: span[thread]) }
                    let kernelRNG = SplitMix64(seed: config.seed, stream: [0x6B65_726E, UInt64(w), UInt64(copyIndex), UInt64(thread)])
                    var task = TaskState(kernel: copy.kernel, workload: w, pinnedLocal: pinnedLocal,
                                         generator: Generator(kind: kind, stop: wc.stop, rng: rng), rng: kernelRNG)
                    task.messageTag = wc.kernelThread?.tag ?? 0
                    // RESOURCE and ACK senders wait for their move to start them.
                    addTask(task, of: wc, thread: thread, into: &build, startsWithWorkload: wc.kernelThread.map { $0.family == .heartbeat || $0.family == .pageReply } ?? true)
                    stats.tasks += kernels[copy.kernel].respawnTimeline == nil ? 1 : 2  // with its respawned twin
                }
            }
            workloadStats.append(stats)
        }
    }

    /// Adds a task of workload `wc` with the workload's scheduling attributes; one that
    /// starts with the workload arrives at its start (thread i `stagger` later, not before
    /// its kernel is active). Returns the task's index.
    @discardableResult
    mutating func addTask(_ task: TaskState, of wc: WorkloadConfig, thread: Int, into build: inout BuildState, startsWithWorkload: Bool) -> Int {
        var task = task
        task.weight = NiceWeights.weight(nice: wc.nice)
        task.slice = wc.slice
        if let rt = wc.realtime {
            task.rtPriority = rt.priority
            task.rtRoundRobin = rt.roundRobin
        }
        // A line its peers answer on: shared-page requests, TLB shootdowns of its syscalls.
        let kr = kernels[task.kernel]
        var answered = kr.syscalls.contains { $0.contains { $0.kind == .tlbShootdown } }
        if case .sharedPages = wc.generator { answered = true }
        if answered {
            task.replyLine = directory.allocate(name: "\(wc.name)[\(kr.config.name)].reply[\(thread)]", home: kr.config.memoryNode)
        }
        let t = build.tasks.count
        build.tasks.append(task)
        if startsWithWorkload {
            let start = max(wc.startAt + Picoseconds(wc.stagger.raw &* UInt64(thread)), kernels[task.kernel].activeAt)
            queue.push(at: start, target: Int32(t), kind: EventKind.taskStart.rawValue)
            // A kernel that will respawn runs a fresh copy of each generated task once it is
            // active again (the same generator and seed: the same work, started over).
            if let again = kernels[task.kernel].respawnTimeline, task.traceThread < 0 {
                var twin = task
                twin.incarnation = 1
                build.tasks.append(twin)
                let restart = max(wc.startAt + Picoseconds(wc.stagger.raw &* UInt64(thread)), again.active)
                queue.push(at: restart, target: Int32(t + 1), kind: EventKind.taskStart.rawValue)
            }
        }
        return t
    }
}
