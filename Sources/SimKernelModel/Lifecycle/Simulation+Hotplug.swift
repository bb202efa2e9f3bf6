import SimMachine

/// CPU hot-plug within a kernel instance: a CPU going offline hands its queued tasks to the
/// instance's other CPUs (its running task first reaches a preemption point: kernel paths
/// are not preemptible), and takes no work until it comes back online.
extension Simulation {
    mutating func hotplug(cpu c: Int, online: Bool) {
        let k = cpus[c].kernel
        guard k >= 0, cpus[c].online != online else { return }
        if online {
            cpus[c].online = true
            cpus[c].goingOffline = false
            kernels[k].stats.onlined &+= 1
            kernels[k].scheduler.cpuAdded(cpu: cpus[c].local)
            kick(cpu: c)  // an idle CPU that looks for work: idle balancing or stealing finds it
            return
        }
        cpus[c].online = false
        kernels[k].stats.offlined &+= 1
        kernels[k].scheduler.cpuRemoved(cpu: cpus[c].local)
        if cpus[c].task >= 0 {
            // The running task leaves at its next preemption point (`step` calls back).
            cpus[c].goingOffline = true
            cpus[c].sched.needResched = true
        }
        evacuate(cpu: c)
    }

    /// Moves every task queued on offline CPU `c` to the instance's online CPUs.
    mutating func evacuate(cpu c: Int) {
        let k = cpus[c].kernel, local = cpus[c].local
        while let t = kernels[k].realtime.pickNext(cpu: local) ?? kernels[k].scheduler.pickNext(cpu: local) {
            let from = tasks[t].cpu
            dequeued(task: t, from: from)
            cpus[from].sched.runnable -= 1
            // A pinned task runs elsewhere while its CPU is away (Linux breaks the affinity);
            // placement sends it back when the CPU returns and the task next wakes.
            if tasks[t].pinnedLocal != nil { kernels[k].stats.affinityBroken &+= 1 }
            kernels[k].stats.tasksMoved &+= 1
            let to = placement(of: t)
            cpus[to].sched.runnable += 1
            enqueue(task: t, cpu: to, atHead: false, at: now)
            if cpus[to].mode == .idle { kick(cpu: to) } else { armTick(cpu: to) }
        }
        if cpus[c].task < 0 { cpus[c].goingOffline = false }
    }

    /// Schedules the scenario's hot-plug events; every kernel keeps at least one CPU online.
    mutating func scheduleHotplug() throws(ConfigurationError) {
        for kc in config.kernels {
            var offline = Set<Int>()
            for e in kc.hotplug.sorted(by: { $0.at < $1.at }) {
                for c in e.cpus {
                    guard kc.cpus.contains(c) else {
                        throw ConfigurationError("kernel '\(kc.name)': hot-plug names CPU \(c), which is not one of its CPUs", about: .kernel(kc.name))
                    }
                    if e.online { offline.remove(c) } else { offline.insert(c) }
                    queue.push(at: e.at, cpu: c, e.online ? .online : .offline)
                }
                if offline.count == kc.cpus.count {
                    throw ConfigurationError("kernel '\(kc.name)': hot-plug at \(e.at) would take all its CPUs offline", about: .kernel(kc.name))
                }
            }
        }
    }
}
