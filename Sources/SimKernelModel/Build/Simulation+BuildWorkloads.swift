import SimCPU
import SimMachine
import SimWorkloads

extension Simulation {
    mutating func buildWorkloads(_ build: inout BuildState) throws(ConfigurationError) {
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
                    throw ConfigurationError("workload '\(wc.name)' is placed on a kernel that does not exist", about: .workload(wc.name))
                }
                let kc = config.kernels[copy.kernel]
                if let pin = copy.pin {
                    for c in pin where !kc.cpus.contains(c) {
                        throw ConfigurationError("workload '\(wc.name)': CPU \(c) in 'pin' is not a CPU of kernel '\(kc.name)'", about: .workload(wc.name))
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
                        let stat = locks.addStats(kernel: copy.kernel, name: "\(wc.name).lock", algorithm: algorithm)
                        copyLock = locks.add(line: directory.allocate(name: "\(wc.name)[\(kc.name)].lock", home: kc.memoryNode),
                                             algorithm: algorithm, stat: stat, irqsave: irqsave)
                        if acrossCopies { sharedLock = copyLock }
                    }
                case .pipePingPong:
                    guard copy.threads <= 2 else {
                        throw ConfigurationError("workload '\(wc.name)': pipe-pingpong runs 2 threads per copy (or 1, writing and reading its own pipe)", about: .workload(wc.name))
                    }
                    guard kernels[copy.kernel].pipeRead >= 0 && kernels[copy.kernel].pipeWrite >= 0 else {
                        throw ConfigurationError("workload '\(wc.name)': profile '\(kc.profile.name)' has no pipe_read/pipe_write", about: .workload(wc.name))
                    }
                    for end in ["ab", "ba"] {
                        memory.pipes.append(PipeState(line: directory.allocate(name: "\(wc.name)[\(kc.name)].pipe_\(end)", home: kc.memoryNode),
                                               kernel: copy.kernel))
                    }
                case .producerConsumer(let slots, _, _):
                    guard copy.threads == 2 else {
                        throw ConfigurationError("workload '\(wc.name)': producer-consumer runs 2 threads per copy (a producer and a consumer)", about: .workload(wc.name))
                    }
                    for s in 0..<slots {
                        let id = directory.allocate(name: "\(wc.name)[\(kc.name)].slot[\(s)]", home: kc.memoryNode)
                        if s == 0 { pingLine = id }
                    }
                case .pingPong:
                    guard copy.threads == 2 else { throw ConfigurationError("workload '\(wc.name)': ping-pong needs exactly 2 threads per copy", about: .workload(wc.name)) }
                    pingLine = directory.allocate(name: "\(wc.name)[\(kc.name)].line", home: kc.memoryNode)
                case .ipiBroadcast:
                    guard copy.threads == 1 else {
                        throw ConfigurationError("workload '\(wc.name)': an ipi-broadcast has one sending thread per kernel", about: .workload(wc.name))
                    }
                case .ipiRing:
                    guard copy.threads == kc.cpus.count || copy.pin != nil else {
                        throw ConfigurationError("workload '\(wc.name)': an ipi-ring needs one thread per CPU of '\(kc.name)' (\(kc.cpus.count)), or a pin list", about: .workload(wc.name))
                    }
                case .messages(let ch, _, let reply, _, _), .receive(let ch, _, let reply):
                    guard ch >= 0 && ch < config.channels.count else { throw ConfigurationError("workload '\(wc.name)': unknown channel", about: .workload(wc.name)) }
                    let channel = config.channels[ch]
                    let (a, b) = channel.kernels
                    guard copy.kernel == a || copy.kernel == b else {
                        throw ConfigurationError("workload '\(wc.name)' runs on '\(kc.name)', which channel '\(channel.name)' does not connect", about: .workload(wc.name))
                    }
                    var receives = reply
                    if case .receive = wc.generator { receives = true }
                    if receives && channel.transport.traits.receiver != .pollingTask {
                        throw ConfigurationError("workload '\(wc.name)': on channel '\(channel.name)' (transport \(channel.transport.rawValue)) the receiving kernel drains messages in its interrupt handler; tasks receive and reply only on \(ChannelTransport.named { $0.receiver == .pollingTask }) channels", about: .workload(wc.name))
                    }
                case .serve(let list, _, _):
                    guard copy.threads == 1 else {
                        throw ConfigurationError("workload '\(wc.name)': a waitset server is one task per kernel (its channels' rings have one receiver each)", about: .workload(wc.name), key: "threads")
                    }
                    guard channels.waitsets.count < Int(UInt16.max) else {
                        throw ConfigurationError("workload '\(wc.name)': at most 65,534 waitsets", about: .workload(wc.name))
                    }
                    for ch in list {
                        guard ch >= 0 && ch < config.channels.count else { throw ConfigurationError("workload '\(wc.name)': unknown channel", about: .workload(wc.name)) }
                        let channel = config.channels[ch]
                        guard copy.kernel == channel.kernels.0 || copy.kernel == channel.kernels.1 else {
                            throw ConfigurationError("workload '\(wc.name)' runs on '\(kc.name)', which channel '\(channel.name)' of its waitset does not connect", about: .workload(wc.name))
                        }
                        guard channel.transport.traits.receiver == .pollingTask else {
                            throw ConfigurationError("workload '\(wc.name)': channel '\(channel.name)' (transport \(channel.transport.rawValue)) is drained by the kernel's interrupt handler; a waitset polls \(ChannelTransport.named { $0.receiver == .pollingTask }) channels", about: .workload(wc.name))
                        }
                    }
                default: break
                }
                let ringCPUs = copy.pin ?? Array(kc.cpus.prefix(copy.threads))
                var threadCount = copy.threads
                var span: [Int] = []
                var roles: [ShootdownRole] = []
                if case .shootdown(let proto, let n, let invalidate, _, let twoPhase, let design) = wc.generator {
                    // The address space spans the kernel's first n CPUs (pinned: the span, in order).
                    span = copy.pin ?? Array(kc.cpus.prefix(n ?? kc.cpus.count))
                    guard span.count >= 2 else {
                        throw ConfigurationError("workload '\(wc.name)': a shootdown needs an address space over at least 2 CPUs", about: .workload(wc.name))
                    }
                    if twoPhase && proto == .ipi {
                        throw ConfigurationError("workload '\(wc.name)': a two-phase commit needs a message protocol (unicast, broadcast, multicast, numa-multicast), not ipi", about: .workload(wc.name))
                    }
                    roles = shootdownRoles(span: span, protocol: proto, invalidate: invalidate, workload: "\(wc.name)[\(kc.name)]")
                    for i in roles.indices { roles[i].phases = twoPhase ? 2 : 1 }
                    if case .barrelfish(let costs) = design, proto != .ipi {
                        try applyBarrelfish(costs, to: &roles, workload: wc.name)
                    }
                    threadCount = proto == .ipi ? 1 : span.count
                }
                for thread in 0..<threadCount {
                    let kind: GeneratorKind
                    switch wc.generator {
                    case .syscallLoop(let name, let user, let sleep):
                        guard let s = kc.profile.syscallIndex(name) else {
                            throw ConfigurationError("workload '\(wc.name)': profile '\(kc.profile.name)' of kernel '\(kc.name)' has no syscall '\(name)'", about: .workload(wc.name))
                        }
                        kind = .syscallLoop(syscall: UInt16(s), userCycles: user, sleep: sleep)
                    case .willItScale(let testcase, _):
                        func resolve(_ items: [WillItScaleTestcase.Item]) throws(ConfigurationError) -> [SyscallProgram.Step] {
                            var steps: [SyscallProgram.Step] = []
                            for item in items {
                                guard case .call(let name) = item else { steps.append(.iteration); continue }
                                guard let s = kc.profile.syscallIndex(name) else {
                                    throw ConfigurationError("workload '\(wc.name)': will-it-scale \(testcase.name) needs the path '\(name)', which profile '\(kc.profile.name)' of kernel '\(kc.name)' does not have (profiles/linux.yaml has every testcase's)", about: .workload(wc.name))
                                }
                                steps.append(.syscall(UInt16(s)))
                            }
                            return steps
                        }
                        kind = .syscallProgram(SyscallProgram(before: try resolve(testcase.before), body: try resolve(testcase.body),
                                                              repeats: testcase.repeats, after: try resolve(testcase.after)))
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
                            throw ConfigurationError("workload '\(wc.name)': serves a workload without shared pages", about: .workload(wc.name))
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
                        cpus[me].roles.ringNext = Int32(next)
                        cpus[me].roles.ringHandling = handling
                        cpus[me].roles.ringWorkload = w
                        kind = .ipiRingStart(next: Int32(next), vector: Vectors.ring, handling: handling)
                    case .messages(let ch, let user, let reply, let interval, let bytes):
                        let channel = config.channels[ch]
                        if bytes > UInt32(clamping: channel.slotBytes) && !channel.transport.traits.splitsMessages {
                            throw ConfigurationError("workload '\(wc.name)': \(bytes)-byte messages do not fit channel '\(channel.name)''s \(channel.slotBytes)-byte slots; only \(ChannelTransport.named { $0.splitsMessages }) channels split messages into chunks", about: .workload(wc.name))
                        }
                        kind = .messages(channel: UInt16(ch), userCycles: user, reply: reply, interval: interval, bytes: bytes)
                    case .receive(let ch, let user, let reply):
                        kind = .receive(channel: UInt16(ch), userCycles: user, reply: reply)
                    case .serve(let list, let user, let reply):
                        channels.waitsets.append(list)
                        kind = .serve(waitset: UInt16(channels.waitsets.count - 1), userCycles: user, reply: reply)
                    case .lockLoop(let algorithm, let hold, let outside, _, let reads, _):
                        kind = .lockLoop(lock: UInt32(copyLock), holdCycles: hold, outsideCycles: outside,
                                         readFraction: algorithm == .rwlock || algorithm == .rwsem ? reads : 0)
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
                            throw ConfigurationError("workload '\(wc.name)': foreign-writes needs a target kernel with kernel objects", about: .workload(wc.name))
                        }
                        var lines = kernels[target].objectLines
                        if let object {
                            // The object's line, or its lines per CPU, by the names they were allocated under.
                            let prefix = "\(config.kernels[target].name).\(object)"
                            lines = lines.filter { let n = directory.names[Int($0)]; return n == prefix || n.hasPrefix(prefix + "[") }
                            guard !lines.isEmpty else {
                                throw ConfigurationError("workload '\(wc.name)': kernel '\(config.kernels[target].name)' has no object '\(object)' in its memory", about: .workload(wc.name))
                            }
                        }
                        kind = .foreignWrites(lines: lines, gap: gap, corrupt: corrupt)
                    case .ipiFlood(let target, let gap, let nmi):
                        guard target >= 0 && target < config.kernels.count else {
                            throw ConfigurationError("workload '\(wc.name)': an ipi-flood targets a kernel that does not exist", about: .workload(wc.name))
                        }
                        kind = .ipiFlood(targets: config.kernels[target].cpus.map { Int32($0) }, vector: nmi ? Vectors.nmi : Vectors.flood, gap: gap)
                    case .trace:
                        preconditionFailure("traces are built by buildTrace")
                    case .shootdown(let proto, _, let invalidate, let addressing, _, _):
                        if proto == .ipi {
                            let targets = span.dropFirst().sorted { (apic.clusterOf[$0], $0) < (apic.clusterOf[$1], $1) }
                            kind = try broadcastKind(workload: wc.name, kernel: copy.kernel, targets: targets, addressing: addressing,
                                                     handling: invalidate)
                        } else {
                            kind = .shootdown(roles[thread], program: roles[thread].program)
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
                    task.messaging.messageTag = wc.kernelThread?.tag ?? 0
                    if case .willItScale(_, .processes) = wc.generator { task.process = Int32(build.tasks.count) }  // fork: its own mm
                    // RESOURCE and ACK senders wait for their move to start them.
                    addTask(task, of: wc, thread: thread, into: &build, startsWithWorkload: wc.kernelThread.map { $0.family == .heartbeat || $0.family == .pageReply } ?? true)
                    stats.tasks += kernels[copy.kernel].life.respawnTimeline == nil ? 1 : 2  // with its respawned twin
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
        task.scheduling.weight = NiceWeights.weight(nice: wc.nice)
        task.scheduling.slice = wc.slice
        if let rt = wc.realtime {
            task.scheduling.rtPriority = rt.priority
            task.scheduling.rtRoundRobin = rt.roundRobin
        }
        // A line its peers answer on: shared-page requests, TLB shootdowns of its syscalls.
        let kr = kernels[task.kernel]
        var answered = kr.syscalls.contains { $0.contains { $0.kind == .tlbShootdown } }
        if case .sharedPages = wc.generator { answered = true }
        if answered {
            task.messaging.replyLine = directory.allocate(name: "\(wc.name)[\(kr.config.name)].reply[\(thread)]", home: kr.config.memoryNode)
        }
        let t = build.tasks.count
        build.tasks.append(task)
        if startsWithWorkload {
            let start = max(wc.startAt + Picoseconds(wc.stagger.raw &* UInt64(thread)), kernels[task.kernel].life.activeAt)
            queue.push(at: start, target: Int32(t), kind: EventKind.taskStart.rawValue)
            // A kernel that will respawn runs a fresh copy of each generated task once it is
            // active again (the same generator and seed: the same work, started over).
            if let again = kernels[task.kernel].life.respawnTimeline, task.traceThread < 0 {
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
