import SimCPU
import SimMachine

/// Lock frames: taking and releasing a lock of any algorithm, its accounting (waits,
/// hand-offs, holds, irqsave) and the dispatch to each algorithm's machine (ticket and MCS
/// in `+TicketMCS`, `+QSpinlock`, `+Mutex`, `+RWLock`, `+TTAS`).
extension Simulation {

    /// The lock record of a lock object of a kernel's profile, for the CPU that takes it.
    mutating func lockRecord(task: Int, object: Int, cpu c: Int) -> Int {
        let k = tasks[task].kernel
        let objects = kernels[k].config.profile.objects
        guard object >= 0 && object < objects.count, case .lock = objects[object].kind else {
            preconditionFailure("operation names object \(object), which is not a lock of profile '\(kernels[k].config.profile.name)'")
        }
        let base = kernels[k].objectBase[object]
        switch objects[object].scope {
        case .cpu: return base + cpus[c].local
        case .task: return ownedObject(task: task, slot: base, perTask: true)
        case .process: return ownedObject(task: task, slot: base, perTask: false)
        case .instance, .machine: return base
        }
    }

    mutating func beginLockFrame(task: Int, cpu c: Int, record: Int, release: Bool, at t: Picoseconds) {
        tasks[task].frame.kind = release ? .lockRelease : .lockAcquire
        tasks[task].frame.phase = 0
        tasks[task].frame.target = record
        tasks[task].frame.frameStart = t
        tasks[task].locking.waited = false
        tasks[task].locking.lockShared = false
        tasks[task].locking.granted = false
        tasks[task].locking.sleptOnLock = false
        if locks.records[record].irqsave && !release {
            // spin_lock_irqsave: interrupts go off before the spinning starts.
            cpus[c].irqOffDepth &+= 1
            cpus[c].irqEnabled = false
        }
        if (locks.records[record].algorithm == .mcs || locks.records[record].algorithm == .qspinlock) && !release {
            if cpus[c].roles.mcsNodeBase < 0 {
                // A CPU's queue nodes are made when it first queues (most CPUs of a big machine never do).
                let k = kernels[cpus[c].kernel].config
                cpus[c].roles.mcsNodeBase = directory.allocate(name: "\(k.name).mcs_node[cpu\(c)]", home: k.memoryNode)
                for level in 1..<4 { _ = directory.allocate(name: "\(k.name).mcs_node[cpu\(c)].\(level)", home: k.memoryNode) }
            }
            cpus[c].roles.mcsDepth = min(cpus[c].roles.mcsDepth + 1, 4)
        }
        if (locks.records[record].algorithm == .mutex || locks.records[record].algorithm == .rwsem) && !release {
            // The osq's lines are made when first needed, as the MCS nodes are.
            let home = kernels[cpus[c].kernel].config.memoryNode
            if locks.records[record].osq < 0 {
                locks.records[record].osq = directory.allocate(name: directory.names[Int(locks.records[record].line)] + ".osq", home: home)
            }
            if locks.osqNodes.isEmpty { locks.osqNodes = Array(repeating: -1, count: cpus.count) }
            if locks.osqNodes[c] < 0 { locks.osqNodes[c] = directory.allocate(name: "\(kernels[cpus[c].kernel].config.name).osq_node[cpu\(c)]", home: home) }
        }
    }

    /// MCS code of the node this CPU uses at its current nesting level.
    func mcsCode(cpu c: Int) -> UInt64 { UInt64(c + 1) << 2 | UInt64(max(0, cpus[c].roles.mcsDepth - 1)) }
    func mcsNode(code: UInt64) -> LineID {
        let cpu = Int(code >> 2) - 1
        return cpus[cpu].roles.mcsNodeBase + LineID(code & 3)
    }

    /// The MCS node a code read from a lock word names, or nil when no CPU's node has that
    /// code: a corrupted word (`foreign-writes` with `corrupt`), which a kernel would
    /// dereference and oops on.
    func mcsNodeIfValid(code: UInt64) -> LineID? {
        let cpuPlusOne = code >> 2
        guard cpuPlusOne >= 1 && cpuPlusOne <= UInt64(cpus.count) else { return nil }
        let base = cpus[Int(cpuPlusOne) - 1].roles.mcsNodeBase
        return base >= 0 ? base + LineID(code & 3) : nil
    }

    /// `task` on CPU `c` follows a corrupted pointer read from `line`: its kernel oopses, and
    /// the oops panics it (`panic_on_oops`, as servers set it) at the engine's time; until
    /// then the CPU spins on the line. Nothing checks the pointer first, as in the kernel.
    mutating func followCorruptedPointer(cpu c: Int, line: LineID) -> Operation {
        let k = cpus[c].kernel
        if !kernels[k].life.oopsPending && kernels[k].life.failedAt == nil {
            kernels[k].life.oopsPending = true
            kernels[k].life.oopses += 1
            queue.push(at: now, kernel: k, .oops)
        }
        return .spinWhile(line, mask: 0, equals: 0)
    }

    /// The next operation of a lock frame (acquire or release, by the lock's algorithm).
    @inline(__always)  // into `frameOp`, as it was before the frames had a dispatch of their own
    mutating func lockFrameOp(task: Int, cpu c: Int) -> Operation {
        let lock = locks.records[tasks[task].frame.target]
        let acquire = tasks[task].frame.kind == .lockAcquire
        switch (lock.algorithm, acquire) {
        case (.ticket, true):
            return ticketAcquireOp(task: task, lock: lock)
        case (.ticket, false):
            return .fetchAdd(lock.line, 1)
        case (.mcs, true):
            return mcsAcquireOp(task: task, cpu: c, lock: lock)
        case (.mcs, false):
            return mcsReleaseOp(task: task, cpu: c, lock: lock)
        case (.mutex, true):
            return mutexAcquireOp(task: task, lock: lock)
        case (.mutex, false):
            return mutexReleaseOp(task: task, lock: lock)
        case (.qspinlock, true):
            return qspinAcquireOp(task: task, cpu: c, lock: lock)
        case (.qspinlock, false):
            return .storeField(lock.line, mask: Self.qLockedMask, value: 0)  // queued_spin_unlock: clear the locked byte
        case (.rwlock, true):
            return rwAcquireOp(task: task, lock: lock)
        case (.ttas, true):
            return ttasAcquireOp(task: task, lock: lock)
        case (.ttas, false):
            return .store(lock.line, 0)
        case (.rwlock, false):
            return tasks[task].locking.lockShared ? .fetchAdd(lock.line, UInt64.max) : .fetchAdd(lock.line, 0 &- Self.writerBit)
        case (.rwsem, true):
            return tasks[task].locking.lockShared ? rwsemReadAcquireOp(task: task, lock: lock) : mutexAcquireOp(task: task, lock: lock)
        case (.rwsem, false):
            return tasks[task].locking.lockShared ? rwsemReadReleaseOp(task: task, lock: lock) : mutexReleaseOp(task: task, lock: lock)
        }
    }

    /// Advances a lock frame; returns true when it has ended (the lock taken or released).
    @inline(__always)
    mutating func lockFrameFinish(task: Int, cpu c: Int, outcome: AccessOutcome?, at t: Picoseconds) -> Bool {
        let record = tasks[task].frame.target
        let acquire = tasks[task].frame.kind == .lockAcquire
        let old = outcome?.oldValue ?? 0
        var done = false
        switch (locks.records[record].algorithm, acquire) {
        case (.ticket, true):
            done = ticketAcquireFinish(task: task, old: old)
        case (.ticket, false):
            done = true
        case (.mcs, true):
            done = mcsAcquireFinish(task: task, old: old)
        case (.mutex, true):
            done = mutexAcquireFinish(task: task, outcome: outcome)
        case (.mutex, false):
            done = mutexReleaseFinish(task: task, record: record, outcome: outcome, at: t)
            if done { tasks[task].locking.mutexesHeld &-= 1 }
        case (.qspinlock, true):
            done = qspinAcquireFinish(task: task, cpu: c, outcome: outcome)
            if done { cpus[c].roles.mcsDepth = max(0, cpus[c].roles.mcsDepth - 1) }  // its queue node is free again
        case (.qspinlock, false):
            done = true
        case (.rwlock, true):
            done = rwAcquireFinish(task: task, outcome: outcome)
        case (.rwlock, false):
            done = true
        case (.ttas, true):
            done = ttasAcquireFinish(task: task, outcome: outcome)
        case (.ttas, false):
            done = true
        case (.mcs, false):
            done = mcsReleaseFinish(task: task, old: old, succeeded: outcome?.succeeded == true)
        case (.rwsem, true):
            done = tasks[task].locking.lockShared ? rwsemReadAcquireFinish(task: task, outcome: outcome) : mutexAcquireFinish(task: task, outcome: outcome)
        case (.rwsem, false):
            if tasks[task].locking.lockShared {
                done = rwsemReadReleaseFinish(task: task, outcome: outcome, at: t)
            } else {
                done = mutexReleaseFinish(task: task, record: record, outcome: outcome, at: t)
                if done { tasks[task].locking.mutexesHeld &-= 1 }
            }
        }
        guard done else { return false }
        let s = locks.records[record].stat
        if acquire {
            let wait = t - tasks[task].frame.frameStart
            locks.stats[s].acquisitions &+= 1
            if tasks[task].locking.waited {
                locks.stats[s].contended &+= 1
                _ = locks.stats[s].handoff.record(t.raw &- min(t.raw, locks.records[record].releasedAt.raw))
            }
            _ = locks.stats[s].wait.record(wait.raw)
            locks.records[record].holdStart = t
            observe(.lockAcquired(cpu: c, task: task, lock: record, waited: wait, contended: tasks[task].locking.waited), at: t)
        } else {
            locks.records[record].releasedAt = t
            if locks.records[record].irqsave && cpus[c].irqOffDepth > 0 {
                cpus[c].irqOffDepth -= 1
                if cpus[c].irqOffDepth == 0 { cpus[c].irqEnabled = true }  // pending interrupts are taken at the next boundary
            }
            locks.stats[s].holdPs &+= t.raw &- locks.records[record].holdStart.raw
            if locks.records[record].algorithm == .mcs { cpus[c].roles.mcsDepth = max(0, cpus[c].roles.mcsDepth - 1) }
            observe(.lockReleased(cpu: c, task: task, lock: record), at: t)
        }
        tasks[task].frame.kind = .none
        return true
    }
}
