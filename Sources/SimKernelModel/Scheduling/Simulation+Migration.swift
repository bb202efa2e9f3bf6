import SimMachine

/// Popcorn-style task migration between kernel instances. A task marked to migrate leaves
/// at its next preemption point (a running task), at its next run (a queued one), or when it
/// wakes (a sleeping one); its state crosses as messages: a request and an acknowledgement
/// (one IPI and one line hand-off each, between the instances' first CPUs) plus the state
/// itself, copied across the socket link at `memory.bandwidth.remote` (or locally). The new
/// instance's scheduler then places it as a new arrival. Its memory stays where it was:
/// later accesses to its lines are remote if the instances are on different nodes.
extension Simulation {
    mutating func scheduleMigrations() throws(ConfigurationError) {
        for (w, wc) in config.workloads.enumerated() {
            guard let m = wc.migrate else { continue }
            guard m.to >= 0 && m.to < kernels.count else { throw ConfigurationError("workload '\(wc.name)': migration to a kernel that does not exist", about: .workload(wc.name)) }
            for copy in wc.copies where config.kernels[copy.kernel].profile != config.kernels[m.to].profile {
                throw ConfigurationError("workload '\(wc.name)': kernels '\(config.kernels[copy.kernel].name)' and '\(config.kernels[m.to].name)' run different syscall profiles; a task migrates between kernels of one profile", about: .workload(wc.name))
            }
            queue.push(at: m.at, target: Int32(w), kind: EventKind.migrate.rawValue)
        }
    }

    /// Marks the workload's tasks; the running ones are asked to leave.
    mutating func startMigration(workload w: Int) {
        guard let m = config.workloads[w].migrate, kernels[m.to].life.failedAt == nil else { return }
        for t in tasks.indices where tasks[t].workload == w && tasks[t].kernel != m.to && tasks[t].status != .done {
            tasks[t].scheduling.migrateTo = Int32(m.to)
            if tasks[t].status == .running { cpus[tasks[t].cpu].sched.needResched = true }
        }
    }

    /// How long the task's state takes to reach instance `to` from `from`.
    func transferTime(from: Int, to: Int, bytes: UInt64) -> Picoseconds {
        let sameNode = config.kernels[from].memoryNode == config.kernels[to].memoryNode
        let bandwidth = sameNode ? config.machine.memory.bandwidthLocal : config.machine.memory.bandwidthRemote
        let copy = Self.copyTime(bytes: bytes, bandwidth: bandwidth)
        return messageLatency(from: from, to: to) + copy + messageLatency(from: to, to: from)
    }

    /// The running task `t` leaves CPU `c` of its instance for good, at `now`+.
    mutating func depart(task t: Int, cpu c: Int, at time: Picoseconds) {
        let from = tasks[t].kernel
        chargeRun(task: t, at: time)
        if tasks[t].scheduling.rtPriority == 0 { kernels[from].scheduler.blocked(task: t) }
        tasks[t].hasCurrent = false
        cpus[c].sched.runnable -= 1
        cpus[c].task = -1
        if _slowPath(tasks[t].locking.mutexesHeld > 0) { mutexOwnerStopped(task: t, at: time) }
        observe(.migrationDepart(task: t, cpu: c), at: time)
        send(task: t, from: from, at: time)
    }

    /// A queued or woken task that must go: it never rejoins `from`'s queues.
    mutating func send(task t: Int, from: Int, at time: Picoseconds) {
        let to = Int(tasks[t].scheduling.migrateTo)
        if tasks[t].scheduling.rtPriority == 0 { kernels[from].scheduler.exited(task: t) }  // it leaves this instance's accounting
        tasks[t].status = .pending
        let bytes = config.workloads[tasks[t].workload].migrate?.stateBytes ?? 0
        let arrival = time + transferTime(from: from, to: to, bytes: bytes)
        workloadStats[tasks[t].workload].transfer.record((arrival - time).raw)
        queue.push(at: arrival, target: Int32(t), kind: EventKind.migrateArrive.rawValue)
    }

    mutating func arrive(task t: Int) {
        let to = Int(tasks[t].scheduling.migrateTo)
        guard tasks[t].status == .pending, to >= 0, kernels[to].life.failedAt == nil else { return }
        tasks[t].kernel = to
        tasks[t].scheduling.migrateTo = -1
        tasks[t].pinnedLocal = nil
        tasks[t].scheduling.crossedKernel = true
        movableTasks[t] = true
        kernels[to].stats.firstStart = kernels[to].stats.firstStart ?? now
        observe(.migrationArrive(task: t), at: now)
        makeRunnable(task: t)
    }
}
