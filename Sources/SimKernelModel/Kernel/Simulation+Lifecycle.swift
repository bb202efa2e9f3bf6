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
                wake = Picoseconds(m.apic.send.raw &* 3) + m.apic.deliveryLatency(d)
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
                throw ConfigurationError("channel '\(ch.name)': heartbeats never stop by themselves; set a top-level duration")
            }
            guard ch.transport != .urpc else {
                throw ConfigurationError("channel '\(ch.name)': heartbeats need a receiver in interrupt context (linux or popcorn)")
            }
            let ends = [ch.kernels.0, ch.kernels.1].map { WorkloadConfig.Copy(kernel: $0, threads: 1) }
            config.workloads.append(WorkloadConfig(name: "\(ch.name).heartbeat", copies: ends,
                                                   generator: .messages(channel: ci, userCycles: 0, interval: period), stop: StopRule()))
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
                    queue.push(at: kernels[k].cpuUpAt[i], target: Int32(c), kind: EventKind.hotplug.rawValue, tag: 2)
                }
            }
            if let at = kc.panicAt { queue.push(at: at, target: Int32(k), kind: EventKind.panic.rawValue) }
        }
    }

    /// A CPU of a booting kernel comes up (not counted as hot-plug).
    mutating func bootCPUUp(_ c: Int) {
        let k = cpus[c].kernel
        guard kernels[k].failedAt == nil, !cpus[c].online else { return }
        cpus[c].online = true
        kernels[k].scheduler.cpuAdded(cpu: cpus[c].local)
        kick(cpu: c)
    }

    /// Kernel `k` panics now: its CPUs stop where they are, its tasks die. Lines its tasks
    /// held (locks in shared memory), messages in its rings and interrupts sent to it stay
    /// as they are: peers see what a machine without a supervisor shows them.
    mutating func panic(kernel k: Int) {
        guard kernels[k].failedAt == nil else { return }
        kernels[k].failedAt = now
        for c in kernels[k].config.cpus {
            if cpus[c].mode == .spinning { directory.cancelWait(cpu: c) }
            if cpus[c].mode != .idle, cpus[c].busySince < now { cpus[c].busyPs &+= (now - cpus[c].busySince).raw }
            cpus[c].generation &+= 1  // pending steps of this CPU go stale
            cpus[c].mode = .idle
            cpus[c].halted = true
            cpus[c].online = false
            cpus[c].task = -1
            cpus[c].inHandler = false
        }
        for t in tasks.indices where tasks[t].kernel == k && tasks[t].status != .done {
            tasks[t].status = .done
            tasks[t].killed = true
            tasks[t].sched.exitedAt = now
            kernels[k].tasksKilled += 1
        }
    }
}
