import SimCPU
import SimMachine

/// The sleeping mutex, after Linux's `struct mutex` (kernel/locking/mutex.c since 4.10): one
/// word holding the owner (task + 1, low 32 bits) and the WAITERS and HANDOFF flags; a FIFO
/// wait list kept by the kernel (its `wait_lock` is not modeled: list changes happen at the
/// engine's time); an optimistic-spin queue (`osq`, an MCS queue on its own line with a
/// node per CPU) so that one spinner at a time watches the owner.
///
/// acquire: cas(word, 0, me). On failure, with `seen` the word:
///   - no owner and no HANDOFF: steal it, cas(seen, me | its flags);
///   - the owner running, and this task not on the wait list: join the osq (node, xchg its
///     tail, link behind the previous tail, wait to be its head); the head spins while the
///     owner stays the same, stealing the lock when the owner field clears; it leaves the
///     osq (passing the head on) when it has the lock, or when the owner stops running or
///     HANDOFF is set, and then goes to sleep as below;
///   - otherwise set WAITERS with a cas and sleep on the wait list. A waiter stays on the
///     list until it has the lock. Woken, it tries again; a woken waiter that finds the lock
///     taken again sets HANDOFF (it is the first waiter) and spins while the owner runs (the
///     release then writes it into the word), else sleeps.
/// release: cas(word, me, 0) (fails when a flag is set). Else with HANDOFF: the first waiter
///   leaves the list and the word becomes its (flags kept as the list needs them), and it
///   is woken owning the lock; without: cas(word, seen, WAITERS kept) clears the owner,
///   and the first waiter is woken to compete for it with spinners and new arrivals.
///
/// No wake-up is lost: a task sleeps only if, at the engine's time, the word has an owner
/// and WAITERS, and every release looks at the list at the instant its write frees the lock
/// (or hands it over), waking the first waiter if there is one. The flags decide which
/// paths run (a flagged word sends acquirers to the steal and releasers to the slow path),
/// as in Linux.
/// A spinner watching the owner stops when the owner stops running (preempted, asleep or
/// moved away: Linux's `mutex_spin_on_owner` checks `owner->on_cpu`) and goes to sleep.
/// Simplified: a queued spinner gives up on need_resched only when it reaches the osq's head.
extension Simulation {
    static let waitersFlag: UInt64 = 1 << 63
    static let handoffFlag: UInt64 = 1 << 62
    static let mutexFlags: UInt64 = waitersFlag | handoffFlag
    /// An rwsem's reader count (bits 32..61; always zero in a mutex's word), and what makes
    /// either lock taken: a writer's owner field or readers.
    static let readerOne: UInt64 = 1 << 32
    static let readerMask: UInt64 = 0x3FFF_FFFF << 32
    static let lockedMask: UInt64 = low32 | readerMask

    /// The CPU a running task is on (the waker of a task it wakes).
    func cpuOf(_ task: Int) -> Int { tasks[task].cpu }

    enum MutexPhase {
        // acquire
        static let tryLock: UInt8 = 0, steal: UInt8 = 1, spinOwner: UInt8 = 2, flag: UInt8 = 3, sleep: UInt8 = 4
        static let owns: UInt8 = 5, setHandoff: UInt8 = 6
        static let osqInit: UInt8 = 10, osqSwap: UInt8 = 11, osqLink: UInt8 = 12, osqWait: UInt8 = 13
        static let osqLoad: UInt8 = 14, osqRelease: UInt8 = 15, osqWaitNext: UInt8 = 16, osqPass: UInt8 = 17
        // release
        static let release: UInt8 = 0, handOver: UInt8 = 1, clearOwner: UInt8 = 2
        // release of an rwsem whose first waiter is a reader: grant the readers the lock
        static let grant: UInt8 = 3, grantBackOut: UInt8 = 4, grantClearWaiters: UInt8 = 7
    }

    /// The owner field of a mutex word (task + 1; 0: free).
    static func mutexOwner(_ word: UInt64) -> UInt64 { word & low32 }

    // `mutating` only so that self is passed by reference: called out of line from the event
    // loop, a non-mutating method received a copy of the whole Simulation (a memcpy per call).
    mutating func mutexAcquireOp(task: Int, lock: LockRecord) -> Operation {
        let me = UInt64(task + 1)
        let seen = tasks[task].frame.scratch
        let c = tasks[task].cpu
        switch tasks[task].frame.phase {
        case MutexPhase.tryLock: return .compareAndSwap(lock.line, expected: 0, new: me)
        case MutexPhase.steal: return .compareAndSwap(lock.line, expected: seen, new: stealWord(task: task, seen: seen))
        case MutexPhase.spinOwner:
            // Until the owner or HANDOFF changes (WAITERS may come and go meanwhile).
            return .spinWhile(lock.line, mask: Self.low32 | Self.handoffFlag, equals: seen & (Self.low32 | Self.handoffFlag))
        case MutexPhase.flag: return .compareAndSwap(lock.line, expected: seen, new: seen | Self.waitersFlag)
        case MutexPhase.setHandoff: return .compareAndSwap(lock.line, expected: seen, new: seen | Self.handoffFlag)
        case MutexPhase.sleep: return .block
        case MutexPhase.osqInit: return .store(locks.osqNodes[c], 1)  // {locked: 1, next: none}
        case MutexPhase.osqSwap: return .exchange(lock.osq, UInt64(c + 1))
        case MutexPhase.osqLink:
            return .storeField(locks.osqNodes[Int(tasks[task].frame.scratch2) - 1], mask: Self.high32, value: UInt64(c + 1) << 32)
        case MutexPhase.osqWait: return .spinUntil(locks.osqNodes[c], mask: Self.low32, equals: 0)
        case MutexPhase.osqLoad: return .load(locks.osqNodes[c])
        case MutexPhase.osqRelease: return .compareAndSwap(lock.osq, expected: UInt64(c + 1), new: 0)
        case MutexPhase.osqWaitNext: return .spinWhile(locks.osqNodes[c], mask: Self.high32, equals: 0)
        case MutexPhase.osqPass: return .storeField(locks.osqNodes[Int(tasks[task].frame.scratch2) - 1], mask: Self.low32, value: 0)
        default: return .delay(.zero)  // owns it: handed over while it slept, or found so on its way to sleep
        }
    }

    /// The word a steal writes: this task as owner, WAITERS kept (and set if others wait on
    /// the list), HANDOFF cleared (the lock is free only when nobody asked for a hand-over).
    private func stealWord(task: Int, seen: UInt64) -> UInt64 {
        let record = tasks[task].frame.target
        let othersWait = locks.records[record].waitHead >= 0 && (locks.records[record].waitHead != Int32(task) || tasks[task].locking.nextLockWaiter >= 0)
        return UInt64(task + 1) | (seen & Self.waitersFlag) | (othersWait ? Self.waitersFlag : 0)
    }

    mutating func mutexAcquireFinish(task: Int, outcome: AccessOutcome?) -> Bool {
        let old = outcome?.oldValue ?? 0
        let ok = outcome?.succeeded == true
        let record = tasks[task].frame.target
        switch tasks[task].frame.phase {
        case MutexPhase.tryLock, MutexPhase.steal:
            if ok { return tookMutex(task: task) }
            tasks[task].locking.waited = true
            decideMutexStep(task: task, seen: old, mayQueue: true)
        case MutexPhase.flag:
            if ok { tasks[task].frame.phase = MutexPhase.sleep } else { decideMutexStep(task: task, seen: old, mayQueue: false) }
        case MutexPhase.setHandoff:
            if ok {
                locks.stats[locks.records[record].stat].handoffsAsked &+= 1
                firstWaiterWaits(task: task, seen: old | Self.handoffFlag)
            } else { decideMutexStep(task: task, seen: old, mayQueue: false) }
        case MutexPhase.spinOwner:
            // The owner or HANDOFF changed: steal if free, keep spinning behind a new running
            // owner, else leave the osq for the wait list.
            decideMutexStep(task: task, seen: old, mayQueue: false)
        case MutexPhase.osqInit:
            tasks[task].locking.osqState = OSQState.queued
            tasks[task].frame.phase = MutexPhase.osqSwap
        case MutexPhase.osqSwap:
            if old == 0 { tasks[task].frame.phase = MutexPhase.spinOwner } else {
                tasks[task].frame.scratch2 = old
                tasks[task].frame.phase = MutexPhase.osqLink
            }
        case MutexPhase.osqLink: tasks[task].frame.phase = MutexPhase.osqWait
        case MutexPhase.osqWait:
            // Head of the osq: look at the word again before spinning on it.
            tasks[task].frame.phase = MutexPhase.tryLock
        case MutexPhase.osqLoad:
            let next = old >> 32
            if next != 0 { tasks[task].frame.scratch2 = next; tasks[task].frame.phase = MutexPhase.osqPass } else { tasks[task].frame.phase = MutexPhase.osqRelease }
        case MutexPhase.osqRelease:
            if ok { return leftOSQ(task: task) }
            tasks[task].frame.phase = MutexPhase.osqWaitNext
        case MutexPhase.osqWaitNext:
            tasks[task].frame.scratch2 = old >> 32
            tasks[task].frame.phase = MutexPhase.osqPass
        case MutexPhase.osqPass:
            return leftOSQ(task: task)
        default:  // owns it
            locks.stats[locks.records[record].stat].slept &+= 1
            return tookMutex(task: task)
        }
        return false
    }

    /// What a task that saw `seen` (and did not get the lock) does next.
    private mutating func decideMutexStep(task: Int, seen: UInt64, mayQueue: Bool) {
        tasks[task].frame.scratch = seen
        let owner = Int(Self.mutexOwner(seen)) - 1
        if seen & Self.lockedMask == 0 && (seen & Self.handoffFlag == 0 || rwsemHeadTakes(task: task)) {
            tasks[task].frame.phase = MutexPhase.steal
        } else if tasks[task].locking.osqState == OSQState.queued {
            // The osq's head, the lock not free: spin on while the owner runs and nobody waits
            // for this CPU (need_resched), else leave.
            if seen & Self.handoffFlag == 0 && ownerRuns(owner) && !cpus[tasks[task].cpu].sched.needResched {
                tasks[task].frame.phase = MutexPhase.spinOwner
            } else {
                tasks[task].locking.osqState = OSQState.leaving
                tasks[task].frame.phase = MutexPhase.osqLoad
            }
        } else if tasks[task].locking.inLockList {
            // A woken waiter that lost the lock again: ask for it to be handed over, then wait.
            // An rwsem's writer asks only once it has waited RWSEM_WAIT_TIMEOUT (rwsem.c,
            // rwsem_try_write_lock); before that it sleeps again.
            if seen & Self.handoffFlag == 0 {
                if locks.records[tasks[task].frame.target].algorithm == .rwsem && now - tasks[task].locking.queuedAt < Self.rwsemWaitTimeout {
                    tasks[task].frame.phase = seen & Self.waitersFlag == 0 ? MutexPhase.flag : MutexPhase.sleep
                } else {
                    tasks[task].frame.phase = MutexPhase.setHandoff
                }
            } else { firstWaiterWaits(task: task, seen: seen) }
        } else if mayQueue && seen & Self.handoffFlag == 0 && ownerRuns(owner) && !cpus[tasks[task].cpu].sched.needResched {
            tasks[task].frame.phase = MutexPhase.osqInit
        } else {
            tasks[task].frame.phase = seen & Self.waitersFlag == 0 ? MutexPhase.flag : MutexPhase.sleep
        }
    }

    /// An rwsem's first waiter takes a free lock even with HANDOFF set (it set it: readers
    /// release without handing over; rwsem_try_write_lock).
    private func rwsemHeadTakes(task: Int) -> Bool {
        let record = tasks[task].frame.target
        return locks.records[record].algorithm == .rwsem && locks.records[record].waitHead == Int32(task)
    }

    /// The tick found a task waiting for CPU `c`: a mutex spinner there stops spinning on the
    /// owner and leaves the osq for the wait list (Linux's spinners check need_resched). A
    /// queued spinner not yet at the osq's head checks when it gets there.
    @discardableResult
    mutating func mutexSpinnerYields(cpu c: Int) -> Bool {
        guard stopSpinningOnOwner(cpu: c) else { return false }
        cpus[c].generation &+= 1
        cpus[c].mode = .scheduled
        step(c)
        return true
    }

    /// Task `t`, holding mutexes, stopped running at `time`: every CPU spinning on it as a
    /// mutex's owner stops and goes on at once (to leave the osq and sleep).
    mutating func mutexOwnerStopped(task t: Int, at time: Picoseconds) {
        for c in cpus.indices where cpus[c].mode == .spinning && cpus[c].task >= 0 {
            let s = cpus[c].task
            guard tasks[s].frame.kind == .lockAcquire, Int(Self.mutexOwner(tasks[s].frame.scratch)) - 1 == t else { continue }
            if stopSpinningOnOwner(cpu: c) { schedule(cpu: c, at: max(time, cpus[c].freeAt)) }
        }
    }

    /// If CPU `c`'s task spins on a mutex's owner: the spin is cancelled and the task set to
    /// leave the osq (its head) or to sleep (the first waiter, spinning after HANDOFF).
    private mutating func stopSpinningOnOwner(cpu c: Int) -> Bool {
        let t = cpus[c].task
        guard t >= 0, cpus[c].mode == .spinning, tasks[t].frame.kind == .lockAcquire,
              locks.records[tasks[t].frame.target].algorithm == .mutex || locks.records[tasks[t].frame.target].algorithm == .rwsem,
              !tasks[t].locking.lockShared, tasks[t].frame.phase == MutexPhase.spinOwner else { return false }
        directory.cancelWait(cpu: c)
        tasks[t].hasCurrent = false
        if tasks[t].locking.osqState == OSQState.queued {
            tasks[t].locking.osqState = OSQState.leaving
            tasks[t].frame.phase = MutexPhase.osqLoad
        } else {
            tasks[t].frame.phase = MutexPhase.sleep
        }
        return true
    }

    /// The first waiter, HANDOFF set: spins on the owner while it runs (the next release
    /// writes this task into the word), else sleeps until the release wakes it owning the lock.
    private mutating func firstWaiterWaits(task: Int, seen: UInt64) {
        tasks[task].frame.scratch = seen
        let owner = Int(Self.mutexOwner(seen)) - 1
        tasks[task].frame.phase = ownerRuns(owner) && !cpus[tasks[task].cpu].sched.needResched ? MutexPhase.spinOwner : MutexPhase.sleep
    }

    private func ownerRuns(_ owner: Int) -> Bool { owner >= 0 && owner < tasks.count && tasks[owner].status == .running }

    /// The task has the lock: off the wait list (if it was on it), and out of the osq first
    /// if it took it from there.
    private mutating func tookMutex(task: Int) -> Bool {
        if tasks[task].locking.osqState == OSQState.queued {
            tasks[task].locking.osqState = OSQState.leavingWithLock
            tasks[task].frame.phase = MutexPhase.osqLoad
            return false
        }
        if tasks[task].locking.inLockList {
            // On the list since it first slept: an acquisition that slept.
            locks.stats[locks.records[tasks[task].frame.target].stat].slept &+= 1
            removeWaiter(task: task, record: tasks[task].frame.target)
        }
        tasks[task].locking.mutexesHeld &+= 1
        return true
    }

    /// Out of the osq: done if it holds the lock, else on to the wait list.
    private mutating func leftOSQ(task: Int) -> Bool {
        let holds = tasks[task].locking.osqState == OSQState.leavingWithLock
        tasks[task].locking.osqState = OSQState.none
        if holds { tasks[task].locking.mutexesHeld &+= 1; return true }
        let seen = tasks[task].frame.scratch
        tasks[task].frame.phase = seen & Self.waitersFlag == 0 ? MutexPhase.flag : MutexPhase.sleep
        return false
    }

    /// The task reaches its `block`, at the engine's time: sleeps on the wait list if the
    /// word has an owner and WAITERS; otherwise goes back a step. True if it slept.
    mutating func blockOnMutex(task: Int, cpu c: Int, at t: Picoseconds) -> Bool {
        let record = tasks[task].frame.target
        if tasks[task].locking.lockShared { return blockOnRWSemRead(task: task, cpu: c, at: t) }
        let word = directory.peekValue(locks.records[record].line)
        tasks[task].hasCurrent = false
        if Self.mutexOwner(word) == UInt64(task + 1) {
            tasks[task].frame.phase = MutexPhase.owns  // handed over before it slept
            return false
        }
        if word & Self.lockedMask == 0 || word & Self.waitersFlag == 0 {
            tasks[task].frame.scratch = word
            tasks[task].frame.phase = word & Self.lockedMask == 0 ? MutexPhase.tryLock : MutexPhase.flag
            return false
        }
        if !tasks[task].locking.inLockList { appendWaiter(task: task, record: record, at: t) }
        tasks[task].frame.phase = MutexPhase.tryLock  // woken: try again
        tasks[task].locking.sleepsOnLock = true
        observe(.lockSleep(cpu: c, task: task, lock: record), at: t)
        leaveCPU(task: task, cpu: c, becoming: .sleeping, at: t)
        return true
    }

    /// `task` joins the end of the lock's wait list.
    mutating func appendWaiter(task: Int, record: Int, at t: Picoseconds) {
        tasks[task].locking.nextLockWaiter = -1
        if locks.records[record].waitTail >= 0 { tasks[Int(locks.records[record].waitTail)].locking.nextLockWaiter = Int32(task) } else {
            locks.records[record].waitHead = Int32(task)
        }
        locks.records[record].waitTail = Int32(task)
        tasks[task].locking.inLockList = true
        tasks[task].locking.queuedAt = t
    }

    mutating func removeWaiter(task: Int, record: Int) {
        var prev: Int32 = -1
        var cur = locks.records[record].waitHead
        while cur >= 0 && cur != Int32(task) { prev = cur; cur = tasks[Int(cur)].locking.nextLockWaiter }
        guard cur >= 0 else { return }
        let next = tasks[task].locking.nextLockWaiter
        if prev >= 0 { tasks[Int(prev)].locking.nextLockWaiter = next } else { locks.records[record].waitHead = next }
        if locks.records[record].waitTail == Int32(task) { locks.records[record].waitTail = prev }
        tasks[task].locking.nextLockWaiter = -1
        tasks[task].locking.inLockList = false
    }

    mutating func mutexReleaseOp(task: Int, lock: LockRecord) -> Operation {
        switch tasks[task].frame.phase {
        case MutexPhase.release: return .compareAndSwap(lock.line, expected: UInt64(task + 1), new: 0)
        case MutexPhase.handOver:
            return .compareAndSwap(lock.line, expected: tasks[task].frame.scratch, new: handOverWord(lock) | tasks[task].frame.scratch & Self.readerMask)
        case MutexPhase.grant, MutexPhase.grantBackOut, MutexPhase.grantClearWaiters: return rwsemGrantOp(task: task, lock: lock)
        default:
            // Owner cleared; WAITERS kept while the list has waiters (an rwsem's readers on
            // their way in or out keep their counts).
            let seen = tasks[task].frame.scratch
            return .compareAndSwap(lock.line, expected: seen, new: (lock.waitHead >= 0 ? Self.waitersFlag : 0) | seen & Self.readerMask)
        }
    }

    /// The word that gives the lock to the first waiter: it as owner, with WAITERS (its own
    /// release clears it if nobody waits by then).
    private func handOverWord(_ lock: LockRecord) -> UInt64 { UInt64(lock.waitHead + 1) | Self.waitersFlag }

    mutating func mutexReleaseFinish(task: Int, record: Int, outcome: AccessOutcome?, at t: Picoseconds) -> Bool {
        let ok = outcome?.succeeded == true
        let old = outcome?.oldValue ?? 0
        switch tasks[task].frame.phase {
        case MutexPhase.release:
            dropDeadWaiters(record: record)
            if ok { return releaseWakes(task: task, record: record, at: t) }  // (a list WAITERS no longer flags)
            tasks[task].frame.scratch = old
            tasks[task].frame.phase = old & Self.handoffFlag != 0 && locks.records[record].waitHead >= 0 ? MutexPhase.handOver : MutexPhase.clearOwner
            return false
        case MutexPhase.handOver:
            guard ok else { tasks[task].frame.scratch = old; return false }  // a flag changed: again
            guard locks.records[record].waitHead >= 0 else { return true }  // (its waiter died meanwhile)
            // The word is the first waiter's now (written at this instant): off the list, woken.
            let h = Int(locks.records[record].waitHead)
            removeWaiter(task: h, record: record)
            tasks[h].frame.phase = MutexPhase.owns
            wakeMutexWaiter(h, by: task, at: t)
            return true
        case MutexPhase.grant, MutexPhase.grantBackOut, MutexPhase.grantClearWaiters:
            return rwsemGrantFinish(task: task, record: record, outcome: outcome, at: t)
        default:
            guard ok else {
                tasks[task].frame.scratch = old
                if old & Self.handoffFlag != 0 && locks.records[record].waitHead >= 0 { tasks[task].frame.phase = MutexPhase.handOver }
                return false
            }
            // Free at this instant: whoever is on the list now would not see it free later.
            return releaseWakes(task: task, record: record, at: t)
        }
    }

    /// The lock is free at this instant: wake the first waiter. When an rwsem's first waiter
    /// is a reader, the releaser grants the readers the lock instead (one more operation on
    /// the word); returns false while that is under way.
    private mutating func releaseWakes(task: Int, record: Int, at t: Picoseconds) -> Bool {
        if _slowPath(locks.records[record].algorithm == .rwsem), beginReaderGrant(task: task, record: record) {
            tasks[task].frame.phase = MutexPhase.grant
            return false
        }
        wakeFirstWaiter(record: record, by: task, at: t)
        return true
    }

    mutating func wakeFirstWaiter(record: Int, by task: Int, at t: Picoseconds) {
        if locks.records[record].waitHead >= 0 { wakeMutexWaiter(Int(locks.records[record].waitHead), by: task, at: t) }
    }

    mutating func wakeMutexWaiter(_ w: Int, by task: Int, at t: Picoseconds) {
        guard tasks[w].status == .sleeping && tasks[w].locking.sleepsOnLock else { return }  // already awake
        queue.push(at: t, target: Int32(w), kind: EventKind.taskWake.rawValue, payload: UInt64(cpuOf(task) + 1))
    }

    /// Waiters killed with their instance (a machine-wide mutex) leave the list.
    mutating func dropDeadWaiters(record: Int) {
        while locks.records[record].waitHead >= 0 && tasks[Int(locks.records[record].waitHead)].status == .done {
            removeWaiter(task: Int(locks.records[record].waitHead), record: record)
        }
    }
}

/// Where a task is in a mutex's optimistic-spin queue.
enum OSQState {
    static let none: UInt8 = 0, queued: UInt8 = 1, leavingWithLock: UInt8 = 2, leaving: UInt8 = 3
}

