import SimCPU
import SimMachine

/// What step mode (and any display) reads of the model between two events: plain values
/// made on demand, so that the model keeps no bookkeeping for them while it runs.

/// What a CPU is doing at the engine's current time.
public enum CPUActivity: Sendable, Equatable {
    case idle
    /// Running a task in user code, or in a system call of its kernel's profile.
    case user(task: Int)
    case kernel(task: Int, syscall: String)
    /// Spinning on a line (a lock, a flag, a ring index) until another CPU writes it.
    case spinning(task: Int, line: String)
    case handler(vector: UInt8)
    /// Its kernel panicked or halted: it executes nothing more.
    case halted
    case offline
}

public struct CPUView: Sendable {
    public var cpu: Int
    /// The instance that owns it now (-1: none).
    public var kernel: Int
    public var activity: CPUActivity
    /// Tasks queued on it besides the one running.
    public var queued: Int
    public var busy: Picoseconds
    public var contextSwitches: UInt64
    public var interruptsHandled: UInt64
    /// Its own clock: a CPU runs ahead of the engine through pure work.
    public var clock: Picoseconds
}

public struct KernelView: Sendable {
    public var name: String
    /// booting, active, panicked, halted, respawning (a panicked kernel the host boots again).
    public var state: String
    public var cpus: [Int]
    public var tasks: (running: Int, runnable: Int, sleeping: Int, done: Int, other: Int)
    public var ops: UInt64
    public var ipisSent: UInt64
}

public struct TaskView: Sendable {
    public var task: Int
    public var workload: String
    public var kernel: Int
    public var status: String
    public var cpu: Int
    public var ops: UInt64
    /// What it is in the middle of, in words (nil: nothing particular).
    public var doing: String?
}

public struct LockView: Sendable {
    public var name: String
    public var algorithm: String
    public var acquisitions: UInt64
    public var contended: UInt64
    public var slept: UInt64
    /// Tasks in the middle of acquiring it (spinning or asleep on its wait list).
    public var waiting: [Int]
    public var line: LineView
}

public struct LineView: Sendable {
    public var name: String
    public var state: LineState
    public var owner: Int?
    public var sharers: [Int]
    public var value: UInt64
    public var accesses: UInt64
    public var misses: UInt64
}

extension Simulation {
    public var cpuCount: Int { cpus.count }
    public var taskCount: Int { tasks.count }

    public func cpuView(_ c: Int) -> CPUView {
        let cpu = cpus[c]
        let activity: CPUActivity
        if cpu.halted { activity = .halted }
        else if !cpu.online { activity = .offline }
        else if cpu.handler.inHandler { activity = .handler(vector: cpu.handler.vector) }
        else if cpu.task >= 0 {
            let t = tasks[cpu.task]
            if cpu.mode == .spinning, let line = spunLine(task: cpu.task) {
                activity = .spinning(task: cpu.task, line: directory.names[Int(line)])
            } else if t.syscall >= 0, t.kernel >= 0 {
                activity = .kernel(task: cpu.task, syscall: kernels[t.kernel].config.profile.syscalls[t.syscall].name)
            } else {
                activity = .user(task: cpu.task)
            }
        } else { activity = .idle }
        let running = cpu.task >= 0 ? 1 : 0
        let busyNow = cpu.mode != .idle && now > cpu.accounting.busySince ? now.raw - cpu.accounting.busySince.raw : 0
        return CPUView(cpu: c, kernel: cpu.kernel, activity: activity, queued: max(0, cpu.sched.runnable - running),
                       busy: Picoseconds(cpu.accounting.busyPs &+ busyNow), contextSwitches: cpu.accounting.contextSwitches,
                       interruptsHandled: cpu.accounting.handlerRuns, clock: max(cpu.resumeAt, now))
    }

    public var kernelNames: [String] { kernels.map(\.config.name) }

    public func kernelView(_ k: Int) -> KernelView {
        let life = kernels[k].life
        let state: String
        if life.haltedAt != nil { state = "halted" }
        else if life.failedAt != nil { state = life.respawnAt != nil ? "panicked (respawning)" : "panicked" }
        else if now < life.activeAt { state = now < life.loadedAt ? "not loaded yet" : "booting" }
        else if life.incarnation > 0, let again = life.respawnTimeline, now < again.active { state = "booting again (respawn)" }
        else { state = "active" }
        var counts = (running: 0, runnable: 0, sleeping: 0, done: 0, other: 0)
        var ops: UInt64 = 0
        for t in tasks.indices where tasks[t].kernel == k {
            ops &+= tasks[t].ops
            switch tasks[t].status {
            case .running: counts.running += 1
            case .runnable: counts.runnable += 1
            case .sleeping: counts.sleeping += 1
            case .done: counts.done += 1
            case .pending: counts.other += 1
            }
        }
        let cpuList = (0..<cpus.count).filter { cpus[$0].kernel == k }
        return KernelView(name: kernels[k].config.name, state: state, cpus: cpuList, tasks: counts, ops: ops,
                          ipisSent: cpuList.reduce(0) { $0 &+ apic.sent[$1] })
    }

    public func taskView(_ t: Int) -> TaskView {
        let task = tasks[t]
        var doing: String?
        if task.frame.kind == .lockAcquire, locks.records.indices.contains(task.frame.target) {
            doing = "acquiring lock \(lockNames[task.frame.target])"
        } else if task.frame.kind == .channelReceive {
            doing = "waiting for a message on ring \(task.frame.target)"
        } else if task.frame.kind == .channelSend {
            doing = "sending a message on ring \(task.frame.target)"
        } else if task.frame.kind == .tlbShootdown {
            doing = "shooting down TLB entries"
        } else if task.syscall >= 0 {
            doing = "in system call \(kernels[task.kernel].config.profile.syscalls[task.syscall].name)"
        } else if let line = spunLine(task: t), task.status == .running {
            doing = "spinning on line \(directory.names[Int(line)])"
        }
        return TaskView(task: t, workload: config.workloads[task.workload].name, kernel: task.kernel,
                        status: "\(task.status)", cpu: task.cpu, ops: task.ops, doing: doing)
    }

    /// Lock names as results and observations give them (`kernel.object`, or the workload's lock).
    public var lockNames: [String] { observationNames.locks }

    public func lockView(_ l: Int) -> LockView {
        let record = locks.records[l]
        let s = locks.stats[record.stat]
        let waiting = tasks.indices.filter { tasks[$0].frame.kind == .lockAcquire && tasks[$0].frame.target == l && tasks[$0].status != .done }
        return LockView(name: lockNames[l], algorithm: s.algorithm.rawValue, acquisitions: s.acquisitions, contended: s.contended,
                        slept: s.slept, waiting: waiting, line: lineView(record.line))
    }

    /// Every line the run has touched, by name.
    public var lineNames: [String] { directory.names }

    public func lineView(_ line: LineID) -> LineView {
        let counts = directory.counts(of: line)
        return LineView(name: directory.names[Int(line)], state: directory.state(of: line), owner: directory.owner(of: line),
                        sharers: directory.sharerList(of: line), value: directory.peekValue(line),
                        accesses: counts.accesses, misses: counts.misses)
    }

    /// The lines with the most misses so far (ties: most accesses, then first made).
    public func hottestLines(_ n: Int) -> [LineView] {
        let counts = directory.lineCounts()
        let ranked = counts.indices.sorted {
            let a = counts[$0].misses, b = counts[$1].misses
            if a != b { return a > b }
            return counts[$0].accesses > counts[$1].accesses
        }
        return ranked.prefix(n).filter { counts[$0].accesses > 0 }.map { lineView(LineID($0)) }
    }

    /// The line a task's current operation spins on, if it spins.
    private func spunLine(task t: Int) -> LineID? {
        guard tasks[t].hasCurrent else { return nil }
        switch tasks[t].current {
        case .spinUntil(let line, _, _), .spinWhile(let line, _, _), .spinCompareAndSwap(let line, _, _): return line
        default: return nil
        }
    }
}
