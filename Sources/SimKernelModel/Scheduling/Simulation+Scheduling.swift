import SimMachine

/// Scheduling mechanics shared by every policy: placement of new and woken tasks, the
/// real-time class above the policy, preemption at ticks and wake-ups, stealing and load
/// balancing, and the accounting behind the scheduling metrics. Policies decide order;
/// this code moves tasks and charges the machine's costs.
extension Simulation {
    // MARK: Becoming runnable

    /// `waker`: the CPU of the task that woke this one (-1: a timer, or a new task).
    mutating func makeRunnable(task t: Int, waker: Int = -1) {
        if tasks[t].scheduling.migrateTo >= 0 && tasks[t].status == .sleeping {
            send(task: t, from: tasks[t].kernel, at: now)  // woken, it goes to its new instance instead
            return
        }
        let c = placement(of: t)
        let k = tasks[t].kernel
        let wasSleeping = tasks[t].status == .sleeping
        if wasSleeping {
            tasks[t].scheduling.wokeAt = now
            // Periodic and interactive latencies run from the wake-up; a sleep on a lock is
            // part of the operation under way.
            if !tasks[t].locking.sleepsOnLock { tasks[t].opStart = now }
            tasks[t].locking.sleepsOnLock = false
        }
        if tasks[t].scheduling.rtPriority == 0 {
            if wasSleeping {
                let waker = tasks[t].scheduling.lastCPU >= 0 && cpus[tasks[t].scheduling.lastCPU].kernel == k ? cpus[tasks[t].scheduling.lastCPU].local : -1
                kernels[k].scheduler.wakingUp(task: t, cpu: cpus[c].local, waker: waker)
            } else if tasks[t].status == .pending {
                kernels[k].scheduler.forked(task: t, cpu: cpus[c].local)
            }
        }
        tasks[t].status = .runnable
        cpus[c].sched.runnable += 1
        enqueue(task: t, cpu: c, atHead: false, at: now)
        if cpus[c].mode == .idle {
            // Woken from another CPU, an idle CPU first leaves its idle state.
            kick(cpu: c, after: waker >= 0 && waker != c ? config.machine.idleExit : .zero)
        } else {
            armTick(cpu: c)
            let running = cpus[c].task
            if running >= 0 && preemptsOnWakeup(cpu: c, running: running, woken: t) { cpus[c].sched.needResched = true }
        }
    }

    /// Puts a task assigned to `c` (counted in its `runnable`) on the queue of its class.
    mutating func enqueue(task t: Int, cpu c: Int, atHead: Bool, at time: Picoseconds) {
        let k = cpus[c].kernel
        tasks[t].scheduling.enqueuedAt = time
        tasks[t].cpu = c
        kernels[k].waiting += 1
        if tasks[t].pinnedLocal == nil {
            kernels[k].movableWaiting += 1
            cpus[c].sched.movableWaiting += 1
        }
        if tasks[t].scheduling.rtPriority > 0 {
            kernels[k].realtime.enqueue(task: t, cpu: cpus[c].local, atHead: atHead)
        } else {
            kernels[k].scheduler.enqueue(task: t, cpu: cpus[c].local)
            // A registered policy may keep one queue for several CPUs: then any busy CPU of
            // the kernel may have to give way, so each gets its tick while tasks wait.
            if case .custom = kernels[k].scheduler {
                for x in kernels[k].config.cpus where cpus[x].kernel == k && cpus[x].mode != .idle { armTick(cpu: x) }
            }
        }
    }

    /// Bookkeeping for a task leaving a queue (picked, stolen or detached).
    mutating func dequeued(task t: Int, from c: Int) {
        let k = cpus[c].kernel
        kernels[k].waiting -= 1
        if tasks[t].pinnedLocal == nil {
            kernels[k].movableWaiting -= 1
            cpus[c].sched.movableWaiting -= 1
        }
    }

    // `mutating` only so that self is passed by reference: called out of line from the event
    // loop, a non-mutating method received a copy of the whole Simulation (a memcpy per call).
    /// Where a new or woken task goes, after Linux's `select_idle_sibling`: its pinned CPU;
    /// else its previous CPU if idle; else the idle CPU nearest to it (SMT sibling, LLC,
    /// socket); else the least loaded, nearest first. A real-time task that finds no idle
    /// CPU goes where the running task has the lowest priority (`find_lowest_rq`).
    /// Ties go to the lowest CPU number, so placement is deterministic.
    mutating func placement(of t: Int) -> Int {
        let k = tasks[t].kernel
        let list = kernels[k].config.cpus
        if let p = tasks[t].pinnedLocal, cpus[list[p]].online && cpus[list[p]].kernel == k { return list[p] }
        let prev = tasks[t].scheduling.lastCPU
        if prev >= 0 && cpus[prev].kernel == k && cpus[prev].online && cpus[prev].sched.runnable == 0 { return prev }
        let rt = Int(tasks[t].scheduling.rtPriority)
        var best = list[0]
        var bestKey = Int.max
        // (A kernel's list also holds CPUs that move in later or moved out: `kernel` says whose they are now.)
        for c in list where cpus[c].online && cpus[c].kernel == k {
            let level = prev >= 0 ? domainLevel(prev, c) : 0
            var key = cpus[c].sched.runnable << 2 | level
            if rt > 0 && cpus[c].sched.runnable > 0 {
                // Busy CPUs rank by the priority they run: below ours first, lowest first.
                let running = cpus[c].task >= 0 ? Int(tasks[cpus[c].task].scheduling.rtPriority) : 0
                key = (running >= rt ? 1 << 40 : 0) | running << 24 | key
            }
            if key < bestKey { best = c; bestKey = key }
        }
        return best
    }

    /// 0: SMT siblings; 1: same last-level cache; 2: same socket; 3: another socket.
    func domainLevel(_ a: Int, _ b: Int) -> Int {
        switch directory.topology.distance(a, b) {
        case .same, .smt: 0
        case .cluster: 1
        case .die, .socket: directory.topology.coresPerCluster < directory.topology.coresPerSocket ? 2 : 1
        case .remote: 3
        }
    }

    // `mutating` only so that self is passed by reference: called out of line from the event
    // loop, a non-mutating method received a copy of the whole Simulation (a memcpy per call).
    mutating func preemptsOnWakeup(cpu c: Int, running r: Int, woken t: Int) -> Bool {
        let pr = tasks[r].scheduling.rtPriority, pw = tasks[t].scheduling.rtPriority
        if pw > pr { return true }  // real-time over normal, or a higher real-time priority
        if pw > 0 || pr > 0 { return false }
        let ranFor = now > tasks[r].scheduling.runStart ? now - tasks[r].scheduling.runStart : .zero
        return kernels[cpus[c].kernel].scheduler.preemptsOnWakeup(cpu: cpus[c].local, running: r, ranFor: ranFor, woken: t)
    }

    func hasWaiting(cpu c: Int) -> Bool {
        let k = cpus[c].kernel, local = cpus[c].local
        return kernels[k].realtime.hasWaiting(cpu: local) || kernels[k].scheduler.hasWaiting(cpu: local)
    }

    // MARK: Ticks

    mutating func armTick(cpu c: Int) {
        guard !cpus[c].sched.tickArmed else { return }
        cpus[c].sched.tickArmed = true
        queue.push(at: now + kernels[cpus[c].kernel].config.scheduler.tick, target: Int32(c), kind: EventKind.tick.rawValue)
    }

    /// Returns whether the tick asked for a reschedule.
    mutating func tick(cpu c: Int) -> Bool {
        cpus[c].sched.tickArmed = false
        guard !cpus[c].halted, hasWaiting(cpu: c) else { return false }
        armTick(cpu: c)  // while tasks wait, the tick keeps coming
        let k = cpus[c].kernel, local = cpus[c].local
        if let interval = kernels[k].config.scheduler.balance, now >= cpus[c].sched.nextBalance {
            cpus[c].sched.nextBalance = now + interval
            pushWaitingTask(from: c)
        }
        let running = cpus[c].task
        guard running >= 0 else { return false }
        let ranFor = now > tasks[running].scheduling.runStart ? now - tasks[running].scheduling.runStart : .zero
        let waitingRT = kernels[k].realtime.highestWaiting(cpu: local)
        let mine = tasks[running].scheduling.rtPriority
        let preempt: Bool
        if mine > 0 {
            preempt = waitingRT > mine
                || (tasks[running].scheduling.rtRoundRobin && waitingRT == mine && tasks[running].scheduling.rrUsed + ranFor >= kernels[k].config.scheduler.rrSlice)
        } else if waitingRT > 0 {
            preempt = true
        } else {
            preempt = kernels[k].scheduler.shouldPreempt(cpu: local, running: running, ranFor: ranFor)
        }
        guard preempt else { return false }
        // A task that does not reach a preemption point (a spin in the kernel) is asked again
        // at every tick; only the first asking changes anything.
        let asked = cpus[c].sched.needResched
        cpus[c].sched.needResched = true
        if _slowPath(cpus[c].mode == .spinning) && mutexSpinnerYields(cpu: c) { return true }
        return !asked
    }

    // MARK: Switching

    /// The running task goes back to its queue (a preemption: an involuntary switch).
    mutating func preempt(task: Int, cpu c: Int, at t: Picoseconds) {
        cpus[c].sched.needResched = false
        cpus[c].accounting.preemptions &+= 1
        tasks[task].sched.preemptions &+= 1
        tasks[task].status = .runnable
        chargeRun(task: task, at: t)
        // A real-time task preempted by a higher priority keeps its place at the head of its
        // list; one whose RR slice ran out goes to the tail with a new slice (sched(7)).
        let sliceOver = tasks[task].scheduling.rtRoundRobin && tasks[task].scheduling.rrUsed >= kernels[cpus[c].kernel].config.scheduler.rrSlice
        if sliceOver { tasks[task].scheduling.rrUsed = .zero }
        enqueue(task: task, cpu: c, atHead: tasks[task].scheduling.rtPriority > 0 && !sliceOver, at: t)
        cpus[c].task = -1
        if _slowPath(tasks[task].locking.mutexesHeld > 0) { mutexOwnerStopped(task: task, at: t) }
    }

    /// sched_yield: the running task stays runnable but goes to the back of its queue (a
    /// real-time task to the tail of its priority's list): a voluntary switch, not a
    /// preemption. The scheduler may pick it again at once when nothing else is runnable.
    mutating func yieldCPU(task: Int, cpu c: Int, at t: Picoseconds) {
        cpus[c].sched.needResched = false
        tasks[task].scheduling.yieldPending = false
        cpus[c].accounting.voluntarySwitches &+= 1
        tasks[task].sched.voluntary &+= 1
        tasks[task].status = .runnable
        chargeRun(task: task, at: t)
        enqueue(task: task, cpu: c, atHead: false, at: t)
        cpus[c].task = -1
        if _slowPath(tasks[task].locking.mutexesHeld > 0) { mutexOwnerStopped(task: task, at: t) }
    }

    /// The running task gives up its CPU (it sleeps or exits): a voluntary switch.
    mutating func leaveCPU(task: Int, cpu c: Int, becoming status: TaskStatus, at t: Picoseconds) {
        tasks[task].hasCurrent = false
        tasks[task].status = status
        cpus[c].accounting.voluntarySwitches &+= 1
        tasks[task].sched.voluntary &+= 1
        chargeRun(task: task, at: t)
        if tasks[task].scheduling.rtPriority == 0 { kernels[tasks[task].kernel].scheduler.blocked(task: task) }
        cpus[c].sched.runnable -= 1
        cpus[c].task = -1
        if _slowPath(tasks[task].locking.mutexesHeld > 0) { mutexOwnerStopped(task: task, at: t) }
        if status == .done {
            tasks[task].sched.exitedAt = t
            let w = tasks[task].workload
            workloadStats[w].exited += 1
            if t > workloadStats[w].lastExit { workloadStats[w].lastExit = t }
            kernels[tasks[task].kernel].scheduler.exited(task: task)
            if let move = moves.offlinerOfTask[task] { memoryOffline(done: move) }
        }
    }

    /// Ends a stretch of running: the task's CPU time, its slice, the policy's accounting.
    mutating func chargeRun(task: Int, at t: Picoseconds) {
        let ran = t > tasks[task].scheduling.runStart ? t - tasks[task].scheduling.runStart : .zero
        tasks[task].scheduling.cpuTime &+= ran.raw
        if tasks[task].scheduling.rtRoundRobin { tasks[task].scheduling.rrUsed += ran }
        tasks[task].sched.slices &+= 1
        _ = workloadStats[tasks[task].workload].slices.record(ran.raw)
        if tasks[task].scheduling.rtPriority == 0 {
            kernels[tasks[task].kernel].scheduler.charge(task: task, ran: ran)
        }
    }

    /// The task `c` runs next: from its own queues (real-time first), else stolen or
    /// pulled from another CPU of its kernel. Nil: `c` goes idle.
    @inline(__always)
    mutating func nextTask(cpu c: Int) -> Int? {
        // The common idle case (an interrupt handler returned, nothing waits) stays inline.
        if cpus[c].sched.runnable == 0 && kernels[cpus[c].kernel].waiting == 0 || !cpus[c].online { return nil }
        return findTask(cpu: c)
    }

    /// `nextTask` past its fast path: `c` is online and some task waits somewhere.
    private mutating func findTask(cpu c: Int) -> Int? {
        let k = cpus[c].kernel, local = cpus[c].local
        if let t = kernels[k].realtime.pickNext(cpu: local) ?? kernels[k].scheduler.pickNext(cpu: local) {
            // A policy with one queue for the kernel may hand over a task queued for another CPU.
            let from = tasks[t].cpu
            dequeued(task: t, from: from)
            if from != c { move(task: t, from: from, to: c) }
            return t
        }
        guard kernels[k].movableWaiting > 0 else { return nil }
        let movable = movableTasks
        if let (t, fromLocal) = kernels[k].scheduler.steal(for: local, movable: { movable[$0] }) {
            let from = kernels[k].config.cpus[fromLocal]
            dequeued(task: t, from: from)
            move(task: t, from: from, to: c)
            return t
        }
        guard kernels[k].config.scheduler.balance != nil else { return nil }
        return pullWaitingTask(to: c)
    }

    /// Idle balancing (Linux's `newidle_balance`): take a waiting task from the busiest CPU
    /// of the nearest scheduling domain that has one.
    private mutating func pullWaitingTask(to c: Int) -> Int? {
        let k = cpus[c].kernel
        var source = -1, sourceKey = Int.max
        for x in kernels[k].config.cpus where x != c && cpus[x].kernel == k && cpus[x].sched.movableWaiting > 0 {
            let key = domainLevel(c, x) << 32 | (Int(UInt32.max) - cpus[x].sched.movableWaiting)
            if key < sourceKey { source = x; sourceKey = key }
        }
        guard source >= 0, let t = detachWaiting(from: source) else { return nil }
        move(task: t, from: source, to: c)
        return t
    }

    /// Periodic balancing at a busy CPU's tick: if some CPU of the kernel has at least two
    /// tasks fewer, one waiting task moves there (the nearest such CPU, then the least loaded).
    private mutating func pushWaitingTask(from c: Int) {
        guard cpus[c].sched.movableWaiting > 0 else { return }
        let k = cpus[c].kernel
        var target = -1, targetKey = Int.max
        for x in kernels[k].config.cpus where x != c && cpus[x].kernel == k && cpus[x].online && cpus[x].sched.runnable + 2 <= cpus[c].sched.runnable {
            let key = cpus[x].sched.runnable << 2 | domainLevel(c, x)
            if key < targetKey { target = x; targetKey = key }
        }
        guard target >= 0, let t = detachWaiting(from: c) else { return }
        move(task: t, from: c, to: target)
        enqueue(task: t, cpu: target, atHead: false, at: now)
        if cpus[target].mode == .idle { kick(cpu: target) } else { armTick(cpu: target) }
    }

    /// A waiting, movable task removed from `c`'s queues (real-time ones first).
    private mutating func detachWaiting(from c: Int) -> Int? {
        let k = cpus[c].kernel, local = cpus[c].local
        let movable = movableTasks
        guard let t = kernels[k].realtime.detach(from: local, movable: { movable[$0] })
            ?? kernels[k].scheduler.detach(from: local, movable: { movable[$0] }) else { return nil }
        dequeued(task: t, from: c)
        return t
    }

    /// Reassigns a task that is in no queue from `from` to `to`.
    private mutating func move(task t: Int, from: Int, to: Int) {
        cpus[from].sched.runnable -= 1
        cpus[to].sched.runnable += 1
        tasks[t].cpu = to
    }

    /// `next` starts running on `c` at `t`: wait, wake-up and migration accounting.
    mutating func startRunning(task next: Int, cpu c: Int, at t: Picoseconds) {
        let k = cpus[c].kernel
        observe(.taskRun(cpu: c, task: next), at: t)
        cpus[c].task = next
        cpus[c].lastTask = next
        tasks[next].status = .running
        tasks[next].cpu = c
        tasks[next].scheduling.runStart = t
        let w = tasks[next].workload
        let waited = t.raw &- min(t.raw, tasks[next].scheduling.enqueuedAt.raw)
        _ = workloadStats[w].runqueueWait.record(waited)
        _ = kernels[k].stats.runqueueWait.record(waited)
        tasks[next].sched.wait.record(waited)
        if tasks[next].scheduling.wokeAt != .max {
            let latency = t.raw &- min(t.raw, tasks[next].scheduling.wokeAt.raw)
            _ = workloadStats[w].wakeupLatency.record(latency)
            _ = kernels[k].stats.wakeupLatency.record(latency)
            tasks[next].sched.wakeup.record(latency)
            tasks[next].scheduling.wokeAt = .max
        }
        let last = tasks[next].scheduling.lastCPU
        // Marked to migrate while queued: it leaves at its first preemption point.
        if tasks[next].scheduling.migrateTo >= 0 { cpus[c].sched.needResched = true }
        if tasks[next].scheduling.crossedKernel {
            tasks[next].scheduling.crossedKernel = false
            tasks[next].sched.migrations[MigrationKind.crossKernel.rawValue] &+= 1
            workloadStats[w].migrations[MigrationKind.crossKernel.rawValue] &+= 1
            kernels[k].stats.migrations[MigrationKind.crossKernel.rawValue] &+= 1
        } else if last >= 0 && last != c {
            let kind: MigrationKind = switch domainLevel(last, c) {
            case 0, 1: .sameLLC
            case 2: .sameSocket
            default: .crossSocket
            }
            tasks[next].sched.migrations[kind.rawValue] &+= 1
            workloadStats[w].migrations[kind.rawValue] &+= 1
            kernels[k].stats.migrations[kind.rawValue] &+= 1
        }
        tasks[next].scheduling.lastCPU = c
    }
}
