import SimCPU
import SimMachine

/// Linux's queued spinlock (kernel/locking/qspinlock.c), on one word: the locked byte (bits
/// 0-7), the pending bit (8) and the MCS tail (bits 32-63: the code of the last queued
/// CPU's node, as `mcsCode`).
///
/// acquire: cas(word, 0, LOCKED) — the uncontended fast path.
///   Only the lock held (no pending, no tail): set PENDING by CAS, spin until the locked
///   byte clears, then clear_pending_set_locked (one atomic add).
///   Otherwise queue: init my node, swap my code into the tail (a CAS loop), link behind
///   the previous tail and spin on my node until I am the head; the head spins until
///   locked and pending are both clear, then takes the lock: if it is the last in the queue
///   with a CAS that also clears the tail, else by setting the locked byte and passing the
///   head to its successor's node.
/// release: store 0 to the locked byte.
extension Simulation {
    static let qLocked: UInt64 = 1
    static let qLockedMask: UInt64 = 0xFF
    static let qPending: UInt64 = 1 << 8

    enum QPhase {
        static let fast: UInt8 = 0, setPending: UInt8 = 1, waitOwner: UInt8 = 2, takeFromPending: UInt8 = 3
        static let initNode: UInt8 = 10, swapTail: UInt8 = 11, link: UInt8 = 12, waitHead: UInt8 = 13
        static let waitLock: UInt8 = 14, claimLast: UInt8 = 15, setLocked: UInt8 = 16, waitNext: UInt8 = 17, passHead: UInt8 = 18
    }

    // `mutating` only so that self is passed by reference: called out of line from the event
    // loop, a non-mutating method received a copy of the whole Simulation (a memcpy per call).
    mutating func qspinAcquireOp(task: Int, cpu c: Int, lock: LockRecord) -> Operation {
        let me = mcsCode(cpu: c)
        let seen = tasks[task].frame.scratch
        switch tasks[task].frame.phase {
        case QPhase.fast: return .compareAndSwap(lock.line, expected: 0, new: Self.qLocked)
        case QPhase.setPending: return .compareAndSwap(lock.line, expected: seen, new: seen | Self.qPending)
        case QPhase.waitOwner: return .spinUntil(lock.line, mask: Self.qLockedMask, equals: 0)
        case QPhase.takeFromPending: return .fetchAdd(lock.line, Self.qLocked &- Self.qPending)
        case QPhase.initNode: return .store(mcsNode(code: me), 1)  // {locked: 1, next: none}
        case QPhase.swapTail: return .compareAndSwap(lock.line, expected: seen, new: seen & Self.low32 | me << 32)
        case QPhase.link:
            guard let prev = mcsNodeIfValid(code: seen >> 32) else { return followCorruptedPointer(cpu: c, line: lock.line) }
            return .storeField(prev, mask: Self.high32, value: me << 32)
        case QPhase.waitHead: return .spinUntil(mcsNode(code: me), mask: Self.low32, equals: 0)
        case QPhase.waitLock: return .spinUntil(lock.line, mask: Self.qLockedMask | Self.qPending, equals: 0)
        case QPhase.claimLast: return .compareAndSwap(lock.line, expected: seen, new: Self.qLocked)
        case QPhase.setLocked: return .storeField(lock.line, mask: Self.qLockedMask, value: Self.qLocked)
        case QPhase.waitNext: return .spinWhile(mcsNode(code: me), mask: Self.high32, equals: 0)
        default: return .storeField(mcsNode(code: tasks[task].frame.scratch2), mask: Self.low32, value: 0)
        }
    }

    mutating func qspinAcquireFinish(task: Int, cpu c: Int, outcome: AccessOutcome?) -> Bool {
        let old = outcome?.oldValue ?? 0
        let ok = outcome?.succeeded == true
        let me = mcsCode(cpu: c)
        switch tasks[task].frame.phase {
        case QPhase.fast:
            if ok { return true }
            tasks[task].locking.waited = true
            tasks[task].frame.scratch = old
            // Only the owner there: become the pending waiter; anyone else waiting: queue.
            tasks[task].frame.phase = old & ~Self.qLockedMask == 0 ? QPhase.setPending : QPhase.initNode
        case QPhase.setPending:
            if ok { tasks[task].frame.phase = QPhase.waitOwner } else { tasks[task].frame.scratch = old; tasks[task].frame.phase = QPhase.fast }
        case QPhase.waitOwner:
            tasks[task].frame.phase = QPhase.takeFromPending
        case QPhase.takeFromPending:
            return true
        case QPhase.initNode:
            tasks[task].frame.phase = QPhase.swapTail
        case QPhase.swapTail:
            if !ok { tasks[task].frame.scratch = old; return false }  // the word moved: swap again with what it holds
            if old >> 32 != 0 { tasks[task].frame.scratch = old; tasks[task].frame.phase = QPhase.link } else { tasks[task].frame.phase = QPhase.waitLock }
        case QPhase.link:
            tasks[task].frame.phase = QPhase.waitHead
        case QPhase.waitHead:
            tasks[task].frame.phase = QPhase.waitLock
        case QPhase.waitLock:
            tasks[task].frame.scratch = old
            tasks[task].frame.phase = old >> 32 == me ? QPhase.claimLast : QPhase.setLocked
        case QPhase.claimLast:
            if ok { return true }
            tasks[task].frame.phase = QPhase.setLocked  // someone queued behind: hand the head on
        case QPhase.setLocked:
            tasks[task].frame.phase = QPhase.waitNext
        case QPhase.waitNext:
            tasks[task].frame.scratch2 = old >> 32
            tasks[task].frame.phase = QPhase.passHead
        default:
            return true
        }
        return false
    }
}
