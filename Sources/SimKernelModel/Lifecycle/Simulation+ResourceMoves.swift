import SimMachine
import SimWorkloads

/// Moving CPUs between kernel instances (multikernel Linux's resource hand-over):
///
/// 1. at `at` the donor takes the CPUs offline: queued tasks go to its other CPUs, a
///    running task leaves at its next preemption point (the hot-plug mechanism);
/// 2. once a CPU is empty, the donor's `cpu_down` takes `perCPU` per CPU;
/// 3. a RESOURCE message reaches the receiver: sent by a kernel thread of the donor through
///    the move's `channel` (its ring, its IPI, the receiver's drain), or, without a channel,
///    charged as one IPI and one line hand-off between the two instances' first CPUs;
/// 4. the receiver brings the CPUs up, `perCPU` each, and they join its scheduler;
/// 5. its ACK reaches the donor the same way.
///
/// Meanwhile the CPUs belong to nobody: that gap, and the tasks moved, are the disruption.
///
/// A memory move goes by whole memory blocks (Linux memory hot-remove and hot-add): at `at`
/// a task of the donor offlines them (reads their page descriptors, migrates the pages in
/// use, each at the node's bandwidth), competing with the donor's tasks for its CPUs; then
/// RESOURCE as above; the receiver writes their page descriptors and they are its memory;
/// then ACK.
struct MoveRecord {
    var released = Picoseconds.zero
    var arrived = Picoseconds.zero
    var online = Picoseconds.zero
    var acked = Picoseconds.zero
    var tasksMoved: UInt64 = 0
    /// With a channel: the kernel threads that send RESOURCE and ACK.
    var resourceSender = -1
    var ackSender = -1
}

extension Simulation {
    /// A memory move's offlining task finished: the donor no longer has the memory, and
    /// RESOURCE goes to the receiver.
    mutating func memoryOffline(done i: Int) {
        let m = config.moves[i]
        // Once: a respawned donor's second offlining task finds it done.
        guard let mem = m.memory, moves.records[i].released == .zero,
              kernels[m.from].life.failedAt == nil, kernels[m.to].life.failedAt == nil else { return }
        moves.records[i].released = now
        kernels[m.from].config.memoryBytes -= mem.bytes
        sendResource(move: i)
    }

    /// RESOURCE leaves the donor now: through the move's channel, or charged as one IPI.
    private mutating func sendResource(move i: Int) {
        let m = config.moves[i]
        if m.channel != nil {
            queue.push(at: moves.records[i].released, move: i, .sendResource)
        } else {
            let arrival = moves.records[i].released + messageLatency(from: m.from, to: m.to)
            queue.push(at: arrival, move: i, .resource)
        }
    }

    /// ACK leaves the receiver at `at`, the same way.
    private mutating func sendAck(move i: Int, at: Picoseconds) {
        let m = config.moves[i]
        if m.channel != nil {
            queue.push(at: at, move: i, .sendAck)
        } else {
            queue.push(at: at + messageLatency(from: m.to, to: m.from), move: i, .ack)
        }
    }

    /// Makes the receiving kernels' CPU lists hold the CPUs they will receive (before the
    /// schedulers are sized), adds the donors' offlining tasks of memory moves, and checks
    /// the moves. Returns the incoming CPUs, and the offlining workload of each memory move.
    static func prepareMoves(_ config: inout SimulationConfig) throws(ConfigurationError) -> (incoming: Set<Int>, offliners: [Int: Int]) {
        var incoming: Set<Int> = []
        var offliners: [Int: Int] = [:]  // workload index -> move index
        var givenAway: [Int: UInt64] = [:]  // memory each donor's moves take from it, in all
        for (i, m) in config.moves.enumerated() {
            let n = config.kernels.count
            guard m.from >= 0, m.from < n, m.to >= 0, m.to < n, m.from != m.to else {
                throw ConfigurationError("move \(i): it goes between two different kernels", about: .move(i))
            }
            let donor = config.kernels[m.from]
            if let mem = m.memory {
                guard m.cpus.isEmpty else { throw ConfigurationError("move \(i): it moves CPUs or memory, not both (give each its own move)", about: .move(i), key: "memory") }
                guard mem.bytes > 0, mem.bytes % MemoryMove.blockBytes == 0 else {
                    throw ConfigurationError("move \(i): memory moves by whole 128 MiB memory blocks", about: .move(i))
                }
                givenAway[m.from, default: 0] += mem.bytes
                guard donor.memoryBytes > givenAway[m.from]! else {
                    throw ConfigurationError("move \(i): kernel '\(donor.name)' would be left without memory", about: .move(i))
                }
                guard (0...1).contains(mem.inUse) else { throw ConfigurationError("move \(i): in_use is a fraction in [0, 1]", about: .move(i)) }
                // The donor's offlining runs as one of its tasks (nice 0, as the sysfs writer
                // that asks for it does): it competes with the instance's own work for a CPU.
                let work = copyTime(bytes: mem.descriptorBytes + mem.migratedBytes, bandwidth: config.machine.memory.bandwidthLocal)
                    + Picoseconds(mem.migrateOverhead.raw &* mem.pagesMigrated)
                let cycles = max(1, UInt64(config.machine.frequency.cycles(in: work).rounded()))
                offliners[config.workloads.count] = i
                config.workloads.append(WorkloadConfig(name: "move\(i).offline", copies: [WorkloadConfig.Copy(kernel: m.from, threads: 1)],
                                                       generator: .interactive(runCycles: cycles, think: .zero),
                                                       stop: StopRule(iterations: 1), startAt: m.at))
            } else {
                guard !m.cpus.isEmpty, m.cpus.allSatisfy(donor.cpus.contains) else {
                    throw ConfigurationError("move \(i): kernel '\(donor.name)' does not own CPUs \(m.cpus)", about: .move(i), key: "cpus")
                }
                guard donor.cpus.count > m.cpus.count else {
                    throw ConfigurationError("move \(i): kernel '\(donor.name)' would be left without a CPU", about: .move(i), key: "cpus")
                }
                for c in m.cpus where !config.kernels[m.to].cpus.contains(c) {
                    config.kernels[m.to].cpus.append(c)
                    incoming.insert(m.to << 20 | c)
                }
            }
            guard let ci = m.channel else { continue }
            guard config.channels.indices.contains(ci) else { throw ConfigurationError("move \(i): no such channel", about: .move(i)) }
            let ch = config.channels[ci]
            guard Set([ch.kernels.0, ch.kernels.1]) == Set([m.from, m.to]) else {
                throw ConfigurationError("move \(i): channel '\(ch.name)' does not connect '\(donor.name)' and '\(config.kernels[m.to].name)'", about: .move(i), key: "channel")
            }
            guard ch.transport.traits.carriesKernelMessages else {
                throw ConfigurationError("move \(i): RESOURCE and ACK need a receiver in interrupt context: channel '\(ch.name)' must be \(ChannelTransport.named { $0.carriesKernelMessages })", about: .move(i), key: "channel")
            }
            // One kernel thread at each end sends its message when the move gets there; at
            // SCHED_FIFO 99, as Linux runs its hot-plug and stopper threads, so that it does not
            // wait behind the instance's own tasks.
            for (family, kernel) in [(MessageFamily.resource, m.from), (.ack, m.to)] {
                var sender = WorkloadConfig(name: "move\(i).\(family.name)", copies: [WorkloadConfig.Copy(kernel: kernel, threads: 1)],
                                            generator: .messages(channel: ci, userCycles: 0), stop: StopRule(iterations: 1),
                                            realtime: RealtimeConfig(priority: 99))
                sender.kernelThread = KernelThreadRole(family: family, subject: i)
                config.workloads.append(sender)
            }
        }
        return (incoming, offliners)
    }

    /// CPUs a kernel lists but does not own yet (they arrive by a move) start offline to it.
    mutating func scheduleMoves(offliners offlinerWorkloads: [Int: Int]) {
        for (i, m) in config.moves.enumerated() {
            let receiver = kernels[m.to].config
            for c in m.cpus {
                kernels[m.to].scheduler.cpuRemoved(cpu: receiver.cpus.firstIndex(of: c)!)
            }
            // A memory move starts with its offlining task, which starts by itself at `at`.
            if m.memory == nil { queue.push(at: m.at, move: i, .release) }
        }
        moves.records = config.moves.map { _ in MoveRecord() }
        for t in tasks.indices {
            if let i = offlinerWorkloads[tasks[t].workload] { moves.offlinerOfTask[t] = i }
        }
        for t in tasks.indices where tasks[t].messaging.messageTag != 0 {
            let role = KernelThreadRole(tag: tasks[t].messaging.messageTag)
            let (family, i) = (role.family, role.subject)
            if family == .resource { moves.records[i].resourceSender = t }
            if family == .ack { moves.records[i].ackSender = t }
            if family == .shutdown { kernels[i].life.shutdownSender = t }
        }
    }

    /// Starts a move's kernel thread that sends RESOURCE or ACK on its channel.
    mutating func startSender(_ t: Int) {
        queue.push(at: now, target: Int32(t), kind: EventKind.taskStart.rawValue)
    }

    /// One IPI and one line hand-off between the two kernels' first CPUs.
    func messageLatency(from a: Int, to b: Int) -> Picoseconds {
        let x = kernels[a].config.cpus[0], y = kernels[b].config.cpus[0]
        return apic.spec.sendCost(remote: apic.crossSocket(x, y)) + apic.deliver(from: x, to: y) + directory.handOffLatency(from: x, to: y)
    }

    mutating func moveStep(_ i: Int, step: MoveStep) {
        let m = config.moves[i]
        guard kernels[m.from].life.failedAt == nil, kernels[m.to].life.failedAt == nil else { return }
        observe(.moveStep(move: i, step: Int(step.rawValue)), at: now)
        switch step {
        case .release:
            moves.records[i].tasksMoved = kernels[m.from].stats.tasksMoved  // the count before; the difference after
            for c in m.cpus { hotplug(cpu: c, online: false) }
            moveStep(i, step: .waitEmpty)
        case .waitEmpty:
            // The running tasks leave at their preemption points; look again shortly.
            if m.cpus.contains(where: { cpus[$0].task >= 0 || cpus[$0].handler.inHandler }) {
                queue.push(at: now + Picoseconds(us: 10), move: i, .waitEmpty)
                return
            }
            moves.records[i].tasksMoved = kernels[m.from].stats.tasksMoved - moves.records[i].tasksMoved
            moves.records[i].released = now + Picoseconds(m.perCPU.raw &* UInt64(m.cpus.count))
            sendResource(move: i)
        case .sendResource:
            startSender(moves.records[i].resourceSender)
        case .sendAck:
            startSender(moves.records[i].ackSender)
        case .resource where m.memory != nil:
            // The receiver adds the blocks and initializes their page descriptors.
            moves.records[i].arrived = now
            moves.records[i].online = now + Self.copyTime(bytes: m.memory!.descriptorBytes, bandwidth: config.machine.memory.bandwidthLocal)
            queue.push(at: moves.records[i].online, move: i, .memoryOnline)
        case .memoryOnline:
            kernels[m.to].config.memoryBytes += m.memory!.bytes
            sendAck(move: i, at: now)
        case .resource:
            moves.records[i].arrived = now
            let receiver = kernels[m.to].config
            for (j, c) in m.cpus.enumerated() {
                cpus[c].kernel = m.to
                cpus[c].local = receiver.cpus.firstIndex(of: c)!
                cpus[c].lastTask = -1
                tlb.lazyFlushOwed[c] = (workload: -1, process: -1, cost: .zero)  // hot-plugged in with empty TLBs
                joinCachePartition(cpu: c, kernel: m.to)
                moves.busyAtHandOver[c] = cpus[c].accounting.busyPs
                let up = now + Picoseconds(m.perCPU.raw &* UInt64(j + 1))
                queue.push(at: up, cpu: c, .bootUp)
                moves.records[i].online = up
            }
            sendAck(move: i, at: moves.records[i].online)
        case .ack:
            moves.records[i].acked = now
        }
    }
}
