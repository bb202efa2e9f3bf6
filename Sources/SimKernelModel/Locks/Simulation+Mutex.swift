import SimCPU
import SimMachine

/// The sleeping mutex, after Linux's `struct mutex`: one word holding the owner (task + 1)
/// and a WAITERS flag; a FIFO wait list kept by the kernel (its `wait_lock` is not modeled).
///
/// acquire: cas(word, 0, me); on failure, while the owner is running and nobody sleeps,
///          spin until the word changes (optimistic spinning) and retry; otherwise set
///          WAITERS with a CAS, and sleep on the wait list. The releaser hands the lock over.
/// release: cas(word, me, 0); if that fails (WAITERS), take the first waiter, store it as
///          owner (WAITERS kept if others wait) and wake it through the scheduler.
///
/// Wait-list changes happen at the engine's time, so a sleeper checks the word when it
/// actually goes to sleep (retrying if the lock came free or lost its flag), and a
/// releaser re-checks the list after its store: no wake-up is lost.
extension Simulation {
    static let waitersFlag: UInt64 = 1 << 63

    /// The CPU a running task is on (the waker of a task it wakes).
    func cpuOf(_ task: Int) -> Int { tasks[task].cpu }
    static let noWaiter = UInt64.max

    enum MutexPhase {
        static let tryLock: UInt8 = 0, spin: UInt8 = 1, flag: UInt8 = 2, sleep: UInt8 = 3, woken: UInt8 = 4
        static let release: UInt8 = 0, handOver: UInt8 = 1, reflag: UInt8 = 2
    }

    // `mutating` only so that self is passed by reference: called out of line from the event
    // loop, a non-mutating method received a copy of the whole Simulation (a memcpy per call).
    mutating func mutexAcquireOp(task: Int, lock: LockRecord) -> Operation {
        let me = UInt64(task + 1)
        switch tasks[task].phase {
        case MutexPhase.tryLock: return .compareAndSwap(lock.line, expected: 0, new: me)
        case MutexPhase.spin: return .spinWhile(lock.line, mask: .max, equals: tasks[task].scratch)
        case MutexPhase.flag:
            return .compareAndSwap(lock.line, expected: tasks[task].scratch, new: tasks[task].scratch | Self.waitersFlag)
        case MutexPhase.sleep: return .block
        default: return .delay(.zero)  // woken holding the lock
        }
    }

    mutating func mutexAcquireFinish(task: Int, outcome: AccessOutcome?) -> Bool {
        let old = outcome?.oldValue ?? 0
        switch tasks[task].phase {
        case MutexPhase.tryLock:
            if outcome?.succeeded == true { return true }
            tasks[task].waited = true
            tasks[task].scratch = old
            let owner = Int(old & ~Self.waitersFlag) - 1
            let ownerRuns = owner >= 0 && owner < tasks.count && tasks[owner].status == .running
            tasks[task].phase = ownerRuns && old & Self.waitersFlag == 0 ? MutexPhase.spin : MutexPhase.flag
        case MutexPhase.spin:
            tasks[task].phase = MutexPhase.tryLock
        case MutexPhase.flag:
            tasks[task].phase = outcome?.succeeded == true ? MutexPhase.sleep : MutexPhase.tryLock
        default:
            lockStats[locks[tasks[task].target].stat].slept &+= 1
            return true
        }
        return false
    }

    /// The task reaches its `block`, at the engine's time: sleeps on the wait list if the
    /// lock is still owned with WAITERS set; otherwise goes back a step. True if it slept.
    mutating func blockOnMutex(task: Int, cpu c: Int, at t: Picoseconds) -> Bool {
        let record = tasks[task].target
        let word = directory.peekValue(locks[record].line)
        tasks[task].hasCurrent = false
        if word == 0 {
            tasks[task].phase = MutexPhase.tryLock
            return false
        }
        if word & Self.waitersFlag == 0 {
            tasks[task].scratch = word
            tasks[task].phase = MutexPhase.flag
            return false
        }
        tasks[task].nextLockWaiter = -1
        if locks[record].waitTail >= 0 { tasks[Int(locks[record].waitTail)].nextLockWaiter = Int32(task) } else {
            locks[record].waitHead = Int32(task)
        }
        locks[record].waitTail = Int32(task)
        tasks[task].sleepsOnLock = true
        leaveCPU(task: task, cpu: c, becoming: .sleeping, at: t)
        return true
    }

    private mutating func popWaiter(record: Int) -> Int? {
        let h = locks[record].waitHead
        guard h >= 0 else { return nil }
        locks[record].waitHead = tasks[Int(h)].nextLockWaiter
        if locks[record].waitHead < 0 { locks[record].waitTail = -1 }
        tasks[Int(h)].nextLockWaiter = -1
        return Int(h)
    }

    /// The word that hands the lock to `waiter` (0: nobody), flagged if others still wait.
    private func ownerWord(_ waiter: Int?, record: Int) -> UInt64 {
        guard let w = waiter else { return 0 }
        return UInt64(w + 1) | (locks[record].waitHead >= 0 ? Self.waitersFlag : 0)
    }

    mutating func mutexReleaseOp(task: Int, lock: LockRecord) -> Operation {
        switch tasks[task].phase {
        case MutexPhase.release: return .compareAndSwap(lock.line, expected: UInt64(task + 1), new: 0)
        case MutexPhase.handOver: return .store(lock.line, tasks[task].scratch)
        default: return .storeField(lock.line, mask: Self.waitersFlag, value: Self.waitersFlag)
        }
    }

    mutating func mutexReleaseFinish(task: Int, record: Int, outcome: AccessOutcome?, at t: Picoseconds) -> Bool {
        switch tasks[task].phase {
        case MutexPhase.release:
            if outcome?.succeeded == true { return true }
            let w = popWaiter(record: record)
            tasks[task].scratch = ownerWord(w, record: record)
            tasks[task].scratch2 = w.map(UInt64.init) ?? Self.noWaiter
            tasks[task].phase = MutexPhase.handOver
            return false
        case MutexPhase.handOver where locks[record].waitHead >= 0:
            // Someone went to sleep between the pop and the store.
            if tasks[task].scratch2 == Self.noWaiter {
                let w = popWaiter(record: record)!
                tasks[task].scratch = ownerWord(w, record: record)
                tasks[task].scratch2 = UInt64(w)
                return false  // store again: the lock goes to it
            }
            if tasks[task].scratch & Self.waitersFlag == 0 {
                tasks[task].phase = MutexPhase.reflag
                return false
            }
        default:
            break
        }
        if tasks[task].scratch2 != Self.noWaiter {
            let w = Int(tasks[task].scratch2)
            tasks[w].phase = MutexPhase.woken
            queue.push(at: t, target: Int32(w), kind: EventKind.taskWake.rawValue, payload: UInt64(cpuOf(task) + 1))
        }
        return true
    }
}
