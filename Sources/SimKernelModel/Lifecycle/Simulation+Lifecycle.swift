import SimMachine
import SimWorkloads

/// Kernel instance lifecycle: a modeled kexec boot (image copy, kernel init on the boot
/// CPU, then the other CPUs one by one) and a panic (tasks die, CPUs stop, the rest of the
/// machine keeps running).
extension Simulation {
    /// Moving `bytes` at `bandwidth` bytes per second.
    static func copyTime(bytes: UInt64, bandwidth: UInt64) -> Picoseconds {
        Picoseconds(UInt64((Double(bytes) / Double(max(1, bandwidth)) * 1e12).rounded()))
    }

    /// When a kernel's image is loaded, its boot CPU runs tasks, and each CPU is up.
    static func bootTimeline(_ kc: KernelConfig, machine m: MachineSpec) -> (loaded: Picoseconds, active: Picoseconds, cpuUp: [Picoseconds]) {
        let b = kc.boot
        guard b.via == .kexec else { return (b.at, b.at, kc.cpus.map { _ in b.at }) }
        // The host reads and writes every byte of the image at the node's bandwidth.
        let copy = copyTime(bytes: 2 * b.imageBytes, bandwidth: m.memory.bandwidthLocal)
        let loaded = b.at + copy
        let active = loaded + b.kernelInit
        // One CPU after another (Linux brings APs up serially): the boot CPU wakes it, it
        // runs its own init (perCPU), and reports online before the next one is woken.
        var cpuUp: [Picoseconds] = []
        var t = active
        for (i, cpu) in kc.cpus.enumerated() {
            if i == 0 { cpuUp.append(active); continue }
            let wake: Picoseconds
            if b.bringup == .initSIPI {
                // INIT, SIPI, SIPI: three interrupt-command writes, the last delivered across
                // the distance between the two CPUs (the INIT-to-SIPI waits of the old MP
                // spec are skipped, as Linux does on modern CPUs).
                let d = m.topology.distance(kc.cpus[0], cpu)
                wake = Picoseconds(m.apic.sendCost(remote: d == .remote).raw &* 3) + m.apic.deliveryLatency(d)
            } else {
                wake = Picoseconds((m.coherence.socket.first ?? .zero).raw * 2)  // mailbox write, parked CPU's read
            }
            t += wake + b.perCPU
            cpuUp.append(t)
        }
        return (loaded, active, cpuUp)
    }

    /// Adds a heartbeat thread at each end of every channel that asks for heartbeats.
    static func prepareHeartbeats(_ config: inout SimulationConfig) throws(ConfigurationError) {
        for (ci, ch) in config.channels.enumerated() {
            guard let period = ch.heartbeat else { continue }
            guard config.duration != nil else {
                throw ConfigurationError("channel '\(ch.name)': heartbeats never stop by themselves; set a top-level duration", about: .channel(ch.name))
            }
            guard ch.transport.traits.carriesKernelMessages else {
                throw ConfigurationError("channel '\(ch.name)': heartbeats need a receiver in interrupt context (\(ChannelTransport.named { $0.carriesKernelMessages }))", about: .channel(ch.name))
            }
            let ends = [ch.kernels.0, ch.kernels.1].map { WorkloadConfig.Copy(kernel: $0, threads: 1) }
            // At SCHED_FIFO 99, as the move and shutdown senders: a heartbeat that waited behind
            // the instance's own tasks for a time slice would look like a sick peer.
            var heartbeat = WorkloadConfig(name: "\(ch.name).heartbeat", copies: ends,
                                           generator: .messages(channel: ci, userCycles: 0, interval: period), stop: StopRule(),
                                           realtime: RealtimeConfig(priority: 99))
            heartbeat.kernelThread = KernelThreadRole(family: .heartbeat)
            config.workloads.append(heartbeat)
        }
    }

    /// Takes booting kernels' CPUs offline until they come up, and schedules panics.
    mutating func scheduleLifecycle() {
        for k in kernels.indices {
            let kc = kernels[k].config
            if kc.boot.via == .kexec {
                for (i, c) in kc.cpus.enumerated() {
                    cpus[c].online = false
                    kernels[k].scheduler.cpuRemoved(cpu: i)
                    queue.push(at: kernels[k].life.cpuUpAt[i], cpu: c, .bootUp)
                }
            }
            if let at = kc.panicAt { queue.push(at: at, kernel: k, .panic) }
            if let at = kernels[k].life.respawnAt { queue.push(at: at, kernel: k, .respawn) }
            if let at = kc.shutdownAt { queue.push(at: at, kernel: k, .shutdownRequested) }
        }
    }

    /// The respawn of a kernel that panics at `panicAt` and is booted again `respawnAfter`
    /// later: a kexec boot with its own boot parameters (kexec's defaults for a kernel that
    /// came up by firmware).
    static func respawnTimeline(_ kc: KernelConfig, machine m: MachineSpec) -> (at: Picoseconds, timeline: (loaded: Picoseconds, active: Picoseconds, cpuUp: [Picoseconds]))? {
        guard let failed = kc.panicAt, let delay = kc.respawnAfter else { return nil }
        var again = kc
        if again.boot.via != .kexec {
            again.boot = BootConfig()
            again.boot.via = .kexec
        }
        again.boot.at = failed + delay
        return (again.boot.at, bootTimeline(again, machine: m))
    }

    /// The host boots failed kernel `k` again: it gets a fresh scheduler, its CPUs are reset
    /// and come up on the respawn's timeline, its own locks (lines in its memory) are
    /// initialized again, and the tasks of its second incarnation start once it is active.
    /// Interrupts left pending on its CPUs stay pending (the model does not reset the APIC):
    /// the new kernel takes them once up, and drains its channels' rings where they are.
    mutating func respawn(kernel k: Int) {
        // Only a failed kernel respawns (one that was shut down on purpose stays halted).
        guard kernels[k].life.failedAt != nil, kernels[k].life.haltedAt == nil, let timeline = kernels[k].life.respawnTimeline else { return }
        kernels[k].life.failedAt = nil
        kernels[k].life.incarnation = 1
        observe(.kernelState(kernel: k, state: .respawning), at: now)
        let kc = kernels[k].config
        kernels[k].scheduler = makeScheduler(kernel: k, tasks: tasks.indices.map { tasks[$0] })!  // its policy was found at the start
        kernels[k].waiting = 0
        kernels[k].movableWaiting = 0
        for (i, c) in kc.cpus.enumerated() where cpus[c].kernel == k {
            cpus[c].halted = false
            cpus[c].online = false
            cpus[c].mode = .idle
            cpus[c].freeAt = now
            cpus[c].task = -1
            cpus[c].lastTask = -1
            tlb.lazyFlushOwed[c] = (workload: -1, process: -1, cost: .zero)  // a fresh kernel starts with empty TLBs
            cpus[c].irqEnabled = true
            cpus[c].irqOffDepth = 0
            cpus[c].deferred = .zero
            cpus[c].sched.needResched = false
            cpus[c].goingOffline = false
            cpus[c].sched.runnable = 0
            cpus[c].sched.movableWaiting = 0
            cpus[c].roles.mcsDepth = 0
            if cpus[c].roles.mcsNodeBase >= 0 { for n in 0..<4 { directory.initialize(cpus[c].roles.mcsNodeBase + LineID(n), value: 0) } }
            if c < locks.osqNodes.count && locks.osqNodes[c] >= 0 { directory.initialize(locks.osqNodes[c], value: 0) }
            kernels[k].scheduler.cpuRemoved(cpu: i)
            queue.push(at: timeline.cpuUp[i], cpu: c, .bootUp)
        }
        for l in locks.records.indices where locks.stats[locks.records[l].stat].kernel == k {
            directory.initialize(locks.records[l].line, value: 0)
            locks.records[l].waitHead = -1
            locks.records[l].waitTail = -1
            if locks.records[l].osq >= 0 { directory.initialize(locks.records[l].osq, value: 0) }
            locks.records[l].irqsave = false
        }
        // Shared-page reply lines of its tasks (the second incarnation counts from zero).
        for t in tasks.indices where tasks[t].kernel == k && tasks[t].messaging.replyLine >= 0 { directory.initialize(tasks[t].messaging.replyLine, value: 0) }
        for p in memory.pipes.indices where memory.pipes[p].kernel == k {
            directory.initialize(memory.pipes[p].line, value: 0)
            memory.pipes[p].count = 0
            memory.pipes[p].reader = -1
        }
    }

    /// A CPU of a booting kernel comes up (not counted as hot-plug).
    mutating func bootCPUUp(_ c: Int) {
        let k = cpus[c].kernel
        guard kernels[k].life.failedAt == nil, !cpus[c].online else { return }
        cpus[c].online = true
        kernels[k].scheduler.cpuAdded(cpu: cpus[c].local)
        kick(cpu: c)
    }

    /// Kernel `k`'s shutdown is due: sent as a SYSTEM message by the kernel thread at the
    /// other end of its shutdown channel, or, without one, done at once.
    mutating func requestShutdown(kernel k: Int) {
        guard kernels[k].life.failedAt == nil else { return }
        if kernels[k].life.shutdownSender >= 0 {
            let t = kernels[k].life.shutdownSender
            queue.push(at: now, target: Int32(t), kind: EventKind.taskStart.rawValue)
        } else {
            panic(kernel: k, orderly: true)
        }
    }

    /// Adds the kernel thread that sends each channel-borne shutdown (at SCHED_FIFO 99).
    static func prepareShutdowns(_ config: inout SimulationConfig) {
        for (k, kc) in config.kernels.enumerated() {
            guard kc.shutdownAt != nil, let ci = kc.shutdownChannel else { continue }
            let ch = config.channels[ci]
            let peer = ch.kernels.0 == k ? ch.kernels.1 : ch.kernels.0
            var sender = WorkloadConfig(name: "\(kc.name).shutdown", copies: [WorkloadConfig.Copy(kernel: peer, threads: 1)],
                                        generator: .messages(channel: ci, userCycles: 0), stop: StopRule(iterations: 1),
                                        realtime: RealtimeConfig(priority: 99))
            sender.kernelThread = KernelThreadRole(family: .shutdown, subject: k)
            config.workloads.append(sender)
        }
    }

    /// Kernel `k` panics now (or, `orderly`, halts on a shutdown request): its CPUs stop where
    /// they are, its tasks die (or stop). Lines its tasks held (locks in shared memory),
    /// messages in its rings and interrupts sent to it stay as they are: peers see what a
    /// machine without a supervisor shows them.
    mutating func panic(kernel k: Int, orderly: Bool = false) {
        guard kernels[k].life.failedAt == nil else { return }
        kernels[k].life.failedAt = now
        kernels[k].life.oopsPending = false
        observe(.kernelState(kernel: k, state: orderly ? .halted : .panicked), at: now)
        for c in kernels[k].config.cpus {
            if cpus[c].mode == .spinning { directory.cancelWait(cpu: c) }
            if cpus[c].mode != .idle, cpus[c].accounting.busySince < now { cpus[c].accounting.busyPs &+= (now - cpus[c].accounting.busySince).raw }
            cpus[c].generation &+= 1  // pending steps of this CPU go stale
            cpus[c].mode = .idle
            cpus[c].halted = true
            cpus[c].online = false
            cpus[c].task = -1
            cpus[c].handler.inHandler = false
        }
        if orderly { kernels[k].life.haltedAt = now } else { kernels[k].life.failedOnce = now }
        for t in tasks.indices where tasks[t].kernel == k && tasks[t].status != .done
            && tasks[t].incarnation == kernels[k].life.incarnation {
            tasks[t].status = .done
            tasks[t].killed = true
            tasks[t].sched.exitedAt = now
            if orderly { kernels[k].life.tasksStopped += 1 } else { kernels[k].life.tasksKilled += 1 }
        }
    }
}
