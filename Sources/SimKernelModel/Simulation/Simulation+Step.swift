import SimCPU
import SimMachine

extension Simulation {
    /// How far a CPU's own clock may run ahead of the engine through pure operations.
    static let maxRunAhead = Picoseconds(us: 10)

    /// Executes CPU `c` from the engine's current time until it must wait for the
    /// engine: an interacting operation lies in its future, it spins, or it idles.
    ///
    /// Pure operations (compute, fixed delays, fences, pauses) advance the CPU's own
    /// clock `t` without events; anything that touches shared state runs only when
    /// `t` equals the engine's time, so that every interaction happens in order.
    /// Interrupts are taken at operation boundaries.
    mutating func step(_ c: Int) {
        if cpus[c].halted { return }
        var t = now
        // Read once: the checks below then test a register, not the struct (IPI ring 648.7 M -> 642.4 M instructions).
        let observed = observer != nil
        while true {
            // Bounded run-ahead: a long stretch of pure work returns to the engine every
            // `maxRunAhead`, so that ticks and interrupts can reach this CPU in time.
            if t.raw &- now.raw >= Self.maxRunAhead.raw {
                schedule(cpu: c, at: t)
                return
            }
            // Interrupts, at an operation boundary.
            if !cpus[c].handler.inHandler && apic.hasPending(cpu: c) && (cpus[c].irqEnabled || apic.nmiPending(cpu: c)) {
                let nmi = apic.nmiPending(cpu: c)
                if nmi { apic.takeNMI(cpu: c) }
                if let v = nmi ? Vectors.nmi : apic.takeHighest(cpu: c) {
                    cpus[c].handler.inHandler = true
                    cpus[c].irqEnabled = false
                    cpus[c].handler.vector = v
                    cpus[c].handler.handlerPhase = 0
                    cpus[c].handler.handlerCount = 0
                    cpus[c].accounting.handlerRuns &+= 1
                    if _slowPath(observed) { emit(.handlerEnter(cpu: c, vector: v), at: t) }
                    let waited = t.raw &- min(t.raw, apic.sendTime(cpu: c, vector: v))
                    if _slowPath(v & 0xF0 == Vectors.deviceBase) {
                        deviceHandlerEntered(vector: v, waited: waited)
                    } else {
                        ipis.latency.record(waited)
                    }
                    if v == Vectors.ring && cpus[c].roles.ringWorkload >= 0 {
                        // Each delivery around the ring is one operation of the ring workload.
                        let w = cpus[c].roles.ringWorkload
                        workloadStats[w].ops &+= 1
                        if t > workloadStats[w].lastOp { workloadStats[w].lastOp = t }
                    }
                    t += apic.handlerEntry
                }
            }

            let op: Operation
            let inHandler = cpus[c].handler.inHandler
            var task = -1
            if inHandler {
                guard let h = handlerOp(c) else {
                    cpus[c].handler.inHandler = false
                    cpus[c].handler.handlerEndedAt = t
                    if _slowPath(observed) { emit(.handlerExit(cpu: c, vector: cpus[c].handler.vector), at: t) }
                    cpus[c].irqEnabled = cpus[c].irqOffDepth == 0  // an NMI may have come in while they were off
                    if cpus[c].deferred != .zero {  // the interrupted work finishes now
                        t += cpus[c].deferred
                        cpus[c].deferred = .zero
                    }
                    continue
                }
                op = h
            } else {
                task = cpus[c].task
                if task >= 0 && cpus[c].sched.needResched && tasks[task].syscall < 0 && tasks[task].frame.kind == .none
                    && tasks[task].isPreemptible {
                    // Preempt in user mode only: the kernel paths modeled here are not preemptible.
                    if tasks[task].scheduling.migrateTo >= 0 {
                        cpus[c].sched.needResched = false
                        depart(task: task, cpu: c, at: t)
                    } else if tasks[task].scheduling.yieldPending {
                        yieldCPU(task: task, cpu: c, at: t)
                    } else {
                        preempt(task: task, cpu: c, at: t)
                    }
                    task = -1
                    if cpus[c].goingOffline { evacuate(cpu: c) }
                }
                if task < 0 {
                    guard let next = nextTask(cpu: c) else {
                        cpus[c].mode = .idle
                        cpus[c].freeAt = t
                        cpus[c].accounting.busyPs &+= t.raw &- cpus[c].accounting.busySince.raw
                        if t > progress.lastActivity { progress.lastActivity = t }
                        if _slowPath(observed) { emit(.cpuIdle(cpu: c), at: t) }
                        return
                    }
                    if cpus[c].lastTask >= 0 && cpus[c].lastTask != next {
                        t += kernels[cpus[c].kernel].config.profile.contextSwitch
                        cpus[c].accounting.contextSwitches &+= 1
                        if _slowPath(observed) { emit(.contextSwitch(cpu: c, from: cpus[c].lastTask, to: next), at: t) }
                    }
                    t += lazyFlush(before: next, cpu: c)
                    startRunning(task: next, cpu: c, at: t)
                    continue
                }
                if tasks[task].traceThread >= 0 && !tasks[task].hasCurrent && tasks[task].frame.kind == .none
                    && tasks[task].syscall < 0 && tasks[task].messaging.injected.isEmpty && storeBuffers.capacity == 0 {
                    // A trace thread's run of plain records: the replay loop (exact, Simulation+Replay).
                    if !replayTrace(task: task, cpu: c, at: &t) { return }
                }
                op = currentOp(task: task, cpu: c, at: t)
            }

            if storeBuffers.capacity > 0 {
                switch storeBufferGate(op, cpu: c, task: task, at: &t) {
                case .proceed: break
                case .done: continue
                case .wait: return
                }
            }

            switch op {
            case .compute(let cycles) where task >= 0 && cycles > computeChunk:
                // Long user work runs in chunks, so that preemption and interrupts reach
                // this task within `maxRunAhead` of being due, as on a real CPU.
                t += timing.frequency.duration(cycles: computeChunk)
                tasks[task].current = .compute(cycles: cycles - computeChunk)

            case .compute, .delay, .fence, .pause:
                t += timing.localDuration(op)
                finish(task: task, cpu: c, outcome: nil, at: t)

            case .sharedPage:
                preconditionFailure("shared-page accesses are resolved when fetched (currentOp)")

            case .opDone:
                let w = tasks[task].workload
                let latency = t - tasks[task].opStart
                _ = workloadStats[w].latency.record(latency.raw)
                workloadStats[w].ops &+= 1
                if t > workloadStats[w].lastOp { workloadStats[w].lastOp = t }
                tasks[task].opStart = t
                tasks[task].ops &+= 1
                kernels[tasks[task].kernel].stats.lastOp = t
                kernels[tasks[task].kernel].stats.ops &+= 1
                finish(task: task, cpu: c, outcome: nil, at: t)

            case .load(let line), .store(let line, _), .fetchAdd(let line, _), .compareAndSwap(let line, _, _),
                 .exchange(let line, _), .storeField(let line, _, _):
                if t > now && !catchUp(cpu: c, to: t) { schedule(cpu: c, at: t); return }
                let update: ValueUpdate
                switch op {
                case .store(_, let v): update = .set(v)
                case .fetchAdd(_, let d): update = .add(d)
                case .compareAndSwap(_, let e, let n): update = .compareAndSwap(expected: e, new: n)
                case .exchange(_, let v): update = .exchange(v)
                case .storeField(_, let mask, let v): update = .setBits(mask: mask, value: v)
                default: update = .none
                }
                let out = directory.access(line, cpu: c, update: update, now: now)
                if out.hasWaiters { wakeWaiters(line, at: out.completion) }
                t = out.completion
                finish(task: task, cpu: c, outcome: out, at: t)

            case .fetch(let line):
                // An L1i hit touches nothing shared: the CPU runs on without the engine.
                if directory.fetchHits(line, cpu: c) {
                    finish(task: task, cpu: c, outcome: nil, at: t)
                    continue
                }
                if t > now && !catchUp(cpu: c, to: t) { schedule(cpu: c, at: t); return }
                t = directory.fetchMiss(line, cpu: c, now: now)
                finish(task: task, cpu: c, outcome: nil, at: t)

            case .streamLoad(let line):
                if t > now && !catchUp(cpu: c, to: t) { schedule(cpu: c, at: t); return }
                let out = directory.access(line, cpu: c, update: .none, now: now)
                // In flight with others: the core moves on after its share of the latency.
                t = now + Picoseconds((out.completion - now).raw / UInt64(directory.memory.parallelism))
                finish(task: task, cpu: c, outcome: out, at: t)

            case .spinUntil(let line, let mask, let value), .spinWhile(let line, let mask, let value):
                if t > now && !catchUp(cpu: c, to: t) { schedule(cpu: c, at: t); return }
                let out = directory.access(line, cpu: c, update: .none, now: now)
                var satisfied = out.oldValue & mask == value
                if case .spinWhile = op { satisfied = !satisfied }
                if satisfied {
                    t = out.completion
                    finish(task: task, cpu: c, outcome: out, at: t)
                } else {
                    if task >= 0 { tasks[task].locking.waited = true }
                    directory.addWaiter(line, cpu: c)
                    cpus[c].mode = .spinning
                    return
                }

            case .spinCompareAndSwap(let line, let expected, let new):
                if t > now && !catchUp(cpu: c, to: t) { schedule(cpu: c, at: t); return }
                let out = directory.access(line, cpu: c, update: .compareAndSwap(expected: expected, new: new), now: now)
                if out.succeeded {
                    if out.hasWaiters { wakeWaiters(line, at: out.completion) }
                    t = out.completion
                    finish(task: task, cpu: c, outcome: out, at: t)
                } else {
                    directory.addWaiter(line, cpu: c)
                    cpus[c].mode = .spinning
                    return
                }

            case .sendIPI(let target, let vector):
                // With interrupts off nothing can come between this CPU's clock and the send.
                if t > now && cpus[c].irqEnabled && !catchUp(cpu: c, to: t) { schedule(cpu: c, at: t); return }
                let sentAt = t
                let (cost, latency) = apic.send(from: c, to: Int(target))
                t += cost
                queue.push(at: t + latency, target: target, kind: EventKind.ipiArrive.rawValue, tag: UInt16(vector), payload: sentAt.raw)
                ipis.targeted &+= 1
                if _slowPath(observed) { emit(.ipiSent(from: c, to: Int(target), vector: vector), at: sentAt) }
                finish(task: task, cpu: c, outcome: nil, at: t)

            case .sendIPIGroup(let set, let addressing, let vector):
                if t > now && cpus[c].irqEnabled && !catchUp(cpu: c, to: t) { schedule(cpu: c, at: t); return }
                t = sendGroup(from: c, set: Int(set), addressing: addressing, vector: vector, at: t)
                finish(task: task, cpu: c, outcome: nil, at: t)

            case .syscall(let s):
                tasks[task].hasCurrent = false
                tasks[task].syscall = Int(s)
                tasks[task].syscallPC = 0
                if _slowPath(observed) { emit(.syscallEnter(cpu: c, task: task, syscall: Int(s)), at: t) }

            case .lock(let object), .unlock(let object):
                // A lock object of the kernel's profile named directly by a stream (traces'
                // lock/unlock records): resolved as syscall paths resolve theirs.
                tasks[task].hasCurrent = false
                let release: Bool = { if case .unlock = op { return true } else { return false } }()
                let record = lockRecord(task: task, object: Int(object), cpu: c)
                beginLockFrame(task: task, cpu: c, record: record, release: release, at: t)

            case .acquire(let record), .release(let record), .acquireShared(let record), .releaseShared(let record):
                tasks[task].hasCurrent = false
                let release: Bool, shared: Bool
                switch op {
                case .release: (release, shared) = (true, false)
                case .acquireShared: (release, shared) = (false, true)
                case .releaseShared: (release, shared) = (true, true)
                default: (release, shared) = (false, false)
                }
                beginLockFrame(task: task, cpu: c, record: Int(record), release: release, at: t)
                tasks[task].locking.lockShared = shared

            case .block:
                if t > now && !catchUp(cpu: c, to: t) { schedule(cpu: c, at: t); return }
                _ = blockOnMutex(task: task, cpu: c, at: t)

            case .pipe(let p, let write):
                tasks[task].hasCurrent = false
                let k = tasks[task].kernel
                tasks[task].messaging.pipe = Int32(p)
                tasks[task].syscall = write ? kernels[k].pipeWrite : kernels[k].pipeRead
                tasks[task].syscallPC = 0
                if _slowPath(observed) { emit(.syscallEnter(cpu: c, task: task, syscall: tasks[task].syscall), at: t) }

            case .waitPipe(let p):
                if t > now && !catchUp(cpu: c, to: t) { schedule(cpu: c, at: t); return }
                tasks[task].hasCurrent = false
                if memory.pipes[Int(p)].count == 0 {
                    // Empty at the engine's time: sleep until a writer wakes this task.
                    memory.pipes[Int(p)].reader = Int32(task)
                    tasks[task].locking.sleepsOnLock = true  // the operation under way goes on after the wake-up
                    leaveCPU(task: task, cpu: c, becoming: .sleeping, at: t)
                }

            case .channelSend(let channel, let bytes):
                tasks[task].hasCurrent = false
                beginSendFrame(task: task, cpu: c, channel: Int(channel), bytes: bytes, at: t)

            case .channelReceive(let channel):
                tasks[task].hasCurrent = false
                beginReceiveFrame(task: task, cpu: c, channel: Int(channel), at: t)

            case .channelReceiveAny(let waitset):
                tasks[task].hasCurrent = false
                beginWaitsetFrame(task: task, waitset: Int(waitset), at: t)

            case .channelReplyLast:
                tasks[task].hasCurrent = false
                beginSendFrame(task: task, cpu: c, channel: Int(tasks[task].messaging.lastChannel), at: t)

            case .sleep(let d):
                leaveCPU(task: task, cpu: c, becoming: .sleeping, at: t)
                queue.push(at: t + d, target: Int32(task), kind: EventKind.taskWake.rawValue)

            case .exit:
                leaveCPU(task: task, cpu: c, becoming: .done, at: t)

            case .threadSync(let kind, let a, let b):
                if t > now && !catchUp(cpu: c, to: t) { schedule(cpu: c, at: t); return }
                tasks[task].hasCurrent = false
                t = threadSync(task: task, cpu: c, kind: kind, a: a, b: b, at: t)
            }
        }
    }

    /// Moves the engine's clock to CPU `c`'s clock `t` when no other event is due until then
    /// and the run's end is not passed: the CPU's next interacting operation (an access, a
    /// send) then runs in this step, without an event of its own. Scheduling the CPU at `t`
    /// would do exactly the same: nothing else can happen before `t` (an event due at `t`
    /// itself comes first, so then the CPU is scheduled after it), so results do not change;
    /// a run of cache hits costs no event per access (issue 18). Store buffers decide on the
    /// engine's time when their gate runs, so with them the CPU is scheduled as before.
    @inline(__always)
    mutating func catchUp(cpu c: Int, to t: Picoseconds) -> Bool {
        guard t <= horizon, storeBuffers.capacity == 0 else { return false }
        if let next = queue.peekTime(), next <= t { return false }
        now = t
        cpus[c].resumeAt = t
        if t > progress.lastActivity { progress.lastActivity = t }
        progress.inlineOperations &+= 1
        return true
    }

    /// The operation the task executes next (kept until it completes, so spins retry it).
    mutating func currentOp(task: Int, cpu c: Int, at t: Picoseconds) -> Operation {
        if tasks[task].hasCurrent { return tasks[task].current }
        var op: Operation
        while true {
            if tasks[task].frame.kind != .none {
                op = frameOp(task: task, cpu: c)
                break
            }
            let s = tasks[task].syscall
            if s >= 0 {
                let steps = kernels[tasks[task].kernel].syscalls[s]
                let pc = tasks[task].syscallPC
                if pc >= steps.count {
                    tasks[task].syscall = -1
                    observe(.syscallExit(cpu: c, task: task, syscall: s), at: t)
                    // A sched_yield returns to the preemption point before the task's next operation.
                    if tasks[task].scheduling.yieldPending { op = .delay(.zero); break }
                    continue
                }
                let step = steps[pc]
                var index = step.base
                switch step.instance {
                case .single: break
                case .cpu: index += cpus[c].local
                case .task: index = ownedObject(task: task, slot: index, perTask: true)
                case .process: index = ownedObject(task: task, slot: index, perTask: false)
                }
                switch step.kind {
                case .compute:
                    let j = kernels[tasks[task].kernel].config.profile.jitter
                    if j > 0 {
                        let factor = 1 + j * (2 * tasks[task].rng.unit() - 1)
                        op = .delay(Picoseconds(UInt64((Double(step.delay.raw) * factor).rounded())))
                    } else {
                        op = .delay(step.delay)
                    }
                case .read: op = .load(LineID(index))
                case .write: op = .store(LineID(index), UInt64(t.raw))
                case .atomic: op = .fetchAdd(LineID(index), 1)
                case .lock, .unlock, .lockShared, .unlockShared:
                    beginLockFrame(task: task, cpu: c, record: index, release: step.kind == .unlock || step.kind == .unlockShared, at: t)
                    tasks[task].locking.lockShared = step.kind == .lockShared || step.kind == .unlockShared
                    continue
                case .pipeRead:
                    let p = Int(tasks[task].messaging.pipe)
                    if memory.pipes[p].count == 0 {
                        op = .waitPipe(UInt32(p))
                    } else {
                        memory.pipes[p].count -= 1
                        op = .load(memory.pipes[p].line)  // copy_to_user from the writer's buffer line
                    }
                case .pipeWrite:
                    let p = Int(tasks[task].messaging.pipe)
                    op = .store(memory.pipes[p].line, memory.pipes[p].written &+ 1)
                case .tlbShootdown, .tlbShootdownFreedTables:
                    beginShootdownFrame(task: task, invalidate: step.delay, lazyToo: step.kind == .tlbShootdownFreedTables)
                    continue
                case .listAddNeighbor, .listDelNeighbor:
                    var entry = Int(step.entryBase)
                    switch step.entryInstance {
                    case .single: break
                    case .cpu: entry += cpus[c].local
                    case .task: entry = ownedObject(task: task, slot: entry, perTask: true)
                    case .process: entry = ownedObject(task: task, slot: entry, perTask: false)
                    }
                    let n = step.kind == .listAddNeighbor ? lists.add(head: LineID(index), entry: LineID(entry))
                        : lists.remove(head: LineID(index), entry: LineID(entry))
                    guard let neighbour = n else { tasks[task].syscallPC += 1; continue }
                    op = .store(neighbour, UInt64(t.raw))
                case .batchGate:
                    // This CPU's pass: run the batch's steps, or skip over them.
                    tasks[task].syscallPC += batches.pass(gate: step.base, cpu: c) ? 1 : 1 + Int(step.delay.raw)
                    continue
                case .yield:
                    // schedule() at the syscall's return: the preemption point below takes it.
                    tasks[task].scheduling.yieldPending = true
                    cpus[c].sched.needResched = true
                    op = .delay(.zero)
                }
                break
            }
            if !tasks[task].messaging.injected.isEmpty {
                op = tasks[task].messaging.injected.removeFirst()
            } else {
                op = tasks[task].traceThread >= 0 ? nextTraceOp(task: task, cpu: c, at: t) : tasks[task].generator.next(now: t)
                if case .sharedPage(let region, let page, let write) = op {
                    op = resolveSharedPage(task: task, region: Int(region), page: Int(page), write: write)
                }
            }
            break
        }
        tasks[task].current = op
        tasks[task].hasCurrent = true
        return op
    }

    /// A pipe_write's message is in: count it, wake the reader sleeping on it.
    mutating func pipeWritten(task: Int, at t: Picoseconds) {
        let p = Int(tasks[task].messaging.pipe)
        memory.pipes[p].count &+= 1
        memory.pipes[p].written &+= 1
        let r = memory.pipes[p].reader
        if r >= 0 {
            memory.pipes[p].reader = -1
            queue.push(at: t, target: r, kind: EventKind.taskWake.rawValue, payload: UInt64(tasks[task].cpu + 1))
        }
    }

    /// Advances the innermost frame after an operation completed at `t`.
    mutating func finish(task: Int, cpu c: Int, outcome: AccessOutcome?, at t: Picoseconds) {
        if task < 0 {  // interrupt handler frames advance in handlerFinish
            handlerFinish(cpu: c, outcome: outcome, at: t)
            return
        }
        tasks[task].hasCurrent = false
        if tasks[task].frame.kind != .none {
            if frameFinish(task: task, cpu: c, outcome: outcome, at: t), tasks[task].syscall >= 0 {
                tasks[task].syscallPC += 1
            }
        } else if tasks[task].syscall >= 0 {
            let k = tasks[task].kernel
            if kernels[k].syscalls[tasks[task].syscall][tasks[task].syscallPC].kind == .pipeWrite { pipeWritten(task: task, at: t) }
            tasks[task].syscallPC += 1
        }
    }
}
