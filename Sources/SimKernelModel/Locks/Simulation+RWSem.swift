import SimCPU
import SimMachine

/// Linux's reader-writer semaphore (`struct rw_semaphore`, kernel/locking/rwsem.c, 6.x), the
/// sleeping lock of `inode->i_rwsem` and `mm->mmap_lock`.
///
/// The count word: the writer's owner field (task + 1, low 32 bits; Linux keeps the owner
/// in `sem->owner` and a WRITER_LOCKED bit, which the model folds into one field), the
/// reader count (bits 32..61, RWSEM_READER_BIAS each), HANDOFF and WAITERS on top. The wait
/// list is FIFO of readers and writers; its `wait_lock` is not a lock of its own here:
/// list changes happen at the engine's time, and every operation the kernel does under it
/// is an atomic operation on the count word, whose line the waiters and the waker share.
///
/// Writers (down_write) run the mutex's machine (`+Mutex`) on this word: a CAS from zero;
/// optimistic spinning through the osq while the owner runs (rwsem_optimistic_spin); else
/// WAITERS set, sleep on the list. A woken writer that loses again sleeps again until it
/// has waited RWSEM_WAIT_TIMEOUT, then sets HANDOFF: no one steals the lock from it any
/// more, it spins while the owner runs, and the owner's release writes it in as the owner.
///
/// Readers (down_read): add a reader bias; done if the word had no writer, WAITERS or
/// HANDOFF (RWSEM_READ_FAILED_MASK). Else the slow path: steal it if there is no writer,
/// no HANDOFF and no other reader; else join the list and take the bias back (setting
/// WAITERS if the list was empty), wake the first waiters if no writer holds it
/// (rwsem_cond_wake_waiter), and sleep until a waker grants the lock.
///
/// Release: a writer's clears its owner field (`+Mutex`); a reader's subtracts its bias,
/// and the last reader out with WAITERS set wakes. Waking: if the first waiter is a writer
/// it is woken to try again; if it is a reader, the waker grants every waiting reader (up
/// to MAX_READERS_WAKEUP) the lock with one add of their biases (rwsem_mark_wake), and
/// takes the add back if a writer stole the lock meanwhile (whose release then wakes them).
///
/// Simplified: a writer does not spin on a reader-owned rwsem (Linux spins up to its
/// rwsem_rspin_threshold, 10-25 us, before marking it non-spinnable); readers never set
/// HANDOFF; the grant clears WAITERS with a CAS of its own after its add when it emptied
/// the list.
enum RWSemReadPhase {
    // acquire
    static let fast: UInt8 = 0, queue: UInt8 = 1, flag: UInt8 = 2, sleep: UInt8 = 5, owns: UInt8 = 6
    // both (the numbers MutexPhase gives a writer's release that grants)
    static let grant: UInt8 = Simulation.MutexPhase.grant, grantBackOut: UInt8 = Simulation.MutexPhase.grantBackOut
    static let grantClearWaiters: UInt8 = Simulation.MutexPhase.grantClearWaiters
    // release
    static let release: UInt8 = 0
}

extension Simulation {
    /// RWSEM_WAIT_TIMEOUT: DIV_ROUND_UP(HZ, 250) jiffies, 4 ms whatever HZ is.
    static let rwsemWaitTimeout = Picoseconds(us: 4_000)
    /// MAX_READERS_WAKEUP: readers one grant wakes at most.
    static let rwsemMaxReadersWakeup = 256

    mutating func rwsemReadAcquireOp(task: Int, lock: LockRecord) -> Operation {
        switch tasks[task].frame.phase {
        case RWSemReadPhase.fast: return .fetchAdd(lock.line, Self.readerOne)
        case RWSemReadPhase.queue: return .fetchAdd(lock.line, tasks[task].frame.scratch)
        case RWSemReadPhase.flag:
            let seen = tasks[task].frame.scratch
            return .compareAndSwap(lock.line, expected: seen, new: seen | Self.waitersFlag)
        case RWSemReadPhase.grant, RWSemReadPhase.grantBackOut, RWSemReadPhase.grantClearWaiters: return rwsemGrantOp(task: task, lock: lock)
        case RWSemReadPhase.sleep: return .block
        default: return .delay(.zero)  // granted while asleep
        }
    }

    mutating func rwsemReadAcquireFinish(task: Int, outcome: AccessOutcome?) -> Bool {
        let old = outcome?.oldValue ?? 0
        let record = tasks[task].frame.target
        switch tasks[task].frame.phase {
        case RWSemReadPhase.fast:
            if old & (Self.low32 | Self.waitersFlag | Self.handoffFlag) == 0 { return true }
            tasks[task].locking.waited = true
            // Reader lock stealing: no writer, no hand-off asked, no other reader.
            if old & (Self.low32 | Self.handoffFlag | Self.readerMask) == 0 { return true }
            dropDeadWaiters(record: record)
            let empty = locks.records[record].waitHead < 0
            // An empty list and no writer: the bias already counts it in.
            if empty && directory.peekValue(locks.records[record].line) & Self.low32 == 0 { return true }
            appendWaiter(task: task, record: record, at: now)
            tasks[task].frame.scratch = (0 &- Self.readerOne) &+ (empty ? Self.waitersFlag : 0)
            tasks[task].frame.phase = RWSemReadPhase.queue
        case RWSemReadPhase.queue:
            if tasks[task].locking.granted { return tookRead(task: task) }
            let count = old &+ tasks[task].frame.scratch
            // rwsem_cond_wake_waiter: without a writer, wake the readers (or anyone, if free).
            if count & Self.low32 == 0 && (count & Self.readerMask == 0 || headIsReader(record)) {
                wakeHead(task: task, record: record)
            } else {
                tasks[task].frame.phase = RWSemReadPhase.sleep
            }
        case RWSemReadPhase.flag:
            if tasks[task].locking.granted { return tookRead(task: task) }
            if outcome?.succeeded == true || old & Self.waitersFlag != 0 { tasks[task].frame.phase = RWSemReadPhase.sleep } else {
                tasks[task].frame.scratch = old
            }
        case RWSemReadPhase.grant, RWSemReadPhase.grantBackOut, RWSemReadPhase.grantClearWaiters:
            guard rwsemGrantFinish(task: task, record: record, outcome: outcome, at: now) else { return false }
            if tasks[task].locking.granted { return tookRead(task: task) }
            tasks[task].frame.phase = RWSemReadPhase.sleep
        default:
            return tookRead(task: task)
        }
        return false
    }

    private mutating func tookRead(task: Int) -> Bool {
        tasks[task].locking.granted = false
        if tasks[task].locking.sleptOnLock { locks.stats[locks.records[tasks[task].frame.target].stat].slept &+= 1 }
        return true
    }

    private func headIsReader(_ record: Int) -> Bool {
        let h = locks.records[record].waitHead
        return h >= 0 && tasks[Int(h)].locking.lockShared
    }

    /// Wake the first waiter: grant the readers if it is one (an operation of `task`'s),
    /// else wake the writer; then sleep.
    private mutating func wakeHead(task: Int, record: Int) {
        if beginReaderGrant(task: task, record: record) {
            tasks[task].frame.phase = RWSemReadPhase.grant
        } else {
            if !headIsReader(record) { wakeFirstWaiter(record: record, by: task, at: now) }
            tasks[task].frame.phase = RWSemReadPhase.sleep
        }
    }

    /// A reader reaches its sleep at the engine's time: done if it was granted the lock; sets
    /// WAITERS if the word lost it; wakes the readers if the lock is free and one leads the
    /// list (a free lock with a writer first: the writer was woken by whoever freed it);
    /// else sleeps. True if it slept.
    mutating func blockOnRWSemRead(task: Int, cpu c: Int, at t: Picoseconds) -> Bool {
        let record = tasks[task].frame.target
        tasks[task].hasCurrent = false
        if tasks[task].locking.granted {
            tasks[task].frame.phase = RWSemReadPhase.owns
            return false
        }
        let word = directory.peekValue(locks.records[record].line)
        if word & Self.waitersFlag == 0 {
            tasks[task].frame.scratch = word
            tasks[task].frame.phase = RWSemReadPhase.flag
            return false
        }
        if word & Self.lockedMask == 0 && headIsReader(record) && !locks.records[record].granting {
            wakeHead(task: task, record: record)
            if tasks[task].frame.phase == RWSemReadPhase.grant { return false }
        }
        tasks[task].locking.sleptOnLock = true
        tasks[task].locking.sleepsOnLock = true
        observe(.lockSleep(cpu: c, task: task, lock: record), at: t)
        leaveCPU(task: task, cpu: c, becoming: .sleeping, at: t)
        return true
    }

    // up_read
    mutating func rwsemReadReleaseOp(task: Int, lock: LockRecord) -> Operation {
        tasks[task].frame.phase == RWSemReadPhase.release ? .fetchAdd(lock.line, 0 &- Self.readerOne) : rwsemGrantOp(task: task, lock: lock)
    }

    mutating func rwsemReadReleaseFinish(task: Int, outcome: AccessOutcome?, at t: Picoseconds) -> Bool {
        let record = tasks[task].frame.target
        guard tasks[task].frame.phase == RWSemReadPhase.release else {
            return rwsemGrantFinish(task: task, record: record, outcome: outcome, at: t)
        }
        let count = (outcome?.oldValue ?? 0) &- Self.readerOne
        // The last reader out with waiters: rwsem_wake. (The list is looked at, not WAITERS,
        // at the instant the lock is free, as every release does: no wake-up is lost however
        // the flag and the list differ for a moment.)
        dropDeadWaiters(record: record)
        guard count & Self.lockedMask == 0 && locks.records[record].waitHead >= 0 else { return true }
        if beginReaderGrant(task: task, record: record) {
            tasks[task].frame.phase = RWSemReadPhase.grant
            return false
        }
        if !headIsReader(record) { wakeFirstWaiter(record: record, by: task, at: t) }
        return true
    }

    /// Starts a grant to the waiting readers if a reader is first on the list and no grant
    /// is under way: counts them (up to MAX_READERS_WAKEUP) into the frame's scratch words.
    mutating func beginReaderGrant(task: Int, record: Int) -> Bool {
        guard !locks.records[record].granting, headIsReader(record) else { return false }
        var n: UInt64 = 0
        var w = locks.records[record].waitHead
        while w >= 0 && n < UInt64(Self.rwsemMaxReadersWakeup) {
            if tasks[Int(w)].locking.lockShared { n += 1 }
            w = tasks[Int(w)].locking.nextLockWaiter
        }
        locks.records[record].granting = true
        tasks[task].frame.scratch = n
        tasks[task].frame.scratch2 = n &* Self.readerOne
        return true
    }

    func rwsemGrantOp(task: Int, lock: LockRecord) -> Operation {
        if tasks[task].frame.phase == MutexPhase.grantClearWaiters {
            let seen = tasks[task].frame.scratch
            return .compareAndSwap(lock.line, expected: seen, new: seen & ~Self.waitersFlag)
        }
        let adjustment = tasks[task].frame.scratch2
        return .fetchAdd(lock.line, tasks[task].frame.phase == MutexPhase.grant ? adjustment : 0 &- adjustment)
    }

    /// The grant's add is in: if a writer took the lock meanwhile, take it back (that writer's
    /// release wakes them); else the counted readers leave the list holding the lock and are
    /// woken. True when the frame's grant is over.
    mutating func rwsemGrantFinish(task: Int, record: Int, outcome: AccessOutcome?, at t: Picoseconds) -> Bool {
        if tasks[task].frame.phase == MutexPhase.grantBackOut {
            locks.records[record].granting = false
            return true
        }
        if tasks[task].frame.phase == MutexPhase.grantClearWaiters {
            // Done once WAITERS is clear, or someone waits again (who keeps it), else again.
            let old = outcome?.oldValue ?? 0
            if outcome?.succeeded == true || old & Self.waitersFlag == 0 || locks.records[record].waitHead >= 0 { return true }
            tasks[task].frame.scratch = old
            return false
        }
        if (outcome?.oldValue ?? 0) & Self.low32 != 0 {
            tasks[task].frame.phase = MutexPhase.grantBackOut
            return false
        }
        locks.records[record].granting = false
        var left = tasks[task].frame.scratch
        var w = locks.records[record].waitHead
        let s = locks.records[record].stat
        while w >= 0 && left > 0 {
            let r = Int(w)
            w = tasks[r].locking.nextLockWaiter
            guard tasks[r].locking.lockShared else { continue }
            left -= 1
            removeWaiter(task: r, record: record)
            tasks[r].locking.granted = true
            locks.stats[s].readersGranted &+= 1
            if r != task { wakeMutexWaiter(r, by: task, at: t) }
        }
        locks.stats[s].readerGrants &+= 1
        // The list emptied: WAITERS goes (rwsem_mark_wake folds it into its add; here a CAS
        // of its own, so that the add never subtracts a flag someone else cleared).
        if locks.records[record].waitHead < 0 {
            let word = directory.peekValue(locks.records[record].line)
            if word & Self.waitersFlag != 0 {
                tasks[task].frame.scratch = word
                tasks[task].frame.phase = MutexPhase.grantClearWaiters
                return false
            }
        }
        return true
    }
}
