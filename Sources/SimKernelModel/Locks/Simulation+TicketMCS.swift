import SimCPU
import SimMachine

/// Ticket lock (one word: high 32 bits = next ticket, low 32 = now serving):
///   acquire: t = fetch_add(word, 1<<32) >> 32; spin until low32(word) == t
///   release: add 1 to the serving half
enum TicketPhase: UInt8 { case takeTicket, waitTurn }

/// MCS queue lock (tail word = (cpu+1) << 2 | nesting level; a per-CPU node line holding
/// locked in its low 32 bits and the successor's code in its high 32):
///   acquire: node = {locked: 1, next: 0}; prev = xchg(tail, me);
///            if prev: prev.next = me; spin until node.locked == 0
///   release: if node.next == 0: if cas(tail, me, 0) succeeds: done,
///            else spin until node.next != 0; then next.locked = 0
enum MCSAcquirePhase: UInt8 { case initNode, swapTail, linkBehind, waitLocked }
enum MCSReleasePhase: UInt8 { case readNode, clearTail, waitSuccessor, passOn }

extension Simulation {
    static let low32: UInt64 = 0xFFFF_FFFF
    static let high32: UInt64 = 0xFFFF_FFFF_0000_0000

    @inline(__always)
    mutating func ticketAcquireOp(task: Int, lock: LockRecord) -> Operation {
        switch TicketPhase(rawValue: tasks[task].frame.phase)! {
        case .takeTicket: return .fetchAdd(lock.line, 1 << 32)
        case .waitTurn: return .spinUntil(lock.line, mask: Self.low32, equals: tasks[task].frame.scratch & Self.low32)
        }
    }

    /// Returns true when the lock is taken.
    @inline(__always)
    mutating func ticketAcquireFinish(task: Int, old: UInt64) -> Bool {
        switch TicketPhase(rawValue: tasks[task].frame.phase)! {
        case .takeTicket:
            let ticket = old >> 32
            if old & Self.low32 == ticket & Self.low32 { return true }
            tasks[task].frame.scratch = ticket
            tasks[task].frame.phase = TicketPhase.waitTurn.rawValue
            return false
        case .waitTurn:
            return true
        }
    }

    @inline(__always)
    mutating func mcsAcquireOp(task: Int, cpu c: Int, lock: LockRecord) -> Operation {
        let me = mcsCode(cpu: c)
        switch MCSAcquirePhase(rawValue: tasks[task].frame.phase)! {
        case .initNode: return .store(mcsNode(code: me), 1)
        case .swapTail: return .exchange(lock.line, me)
        case .linkBehind:
            // Link behind the previous tail, the word the exchange returned.
            guard let prev = mcsNodeIfValid(code: tasks[task].frame.scratch) else { return followCorruptedPointer(cpu: c, line: lock.line) }
            return .storeField(prev, mask: Self.high32, value: me << 32)
        case .waitLocked: return .spinUntil(mcsNode(code: me), mask: Self.low32, equals: 0)
        }
    }

    /// Returns true when the lock is taken.
    @inline(__always)
    mutating func mcsAcquireFinish(task: Int, old: UInt64) -> Bool {
        switch MCSAcquirePhase(rawValue: tasks[task].frame.phase)! {
        case .initNode:
            tasks[task].frame.phase = MCSAcquirePhase.swapTail.rawValue
        case .swapTail:
            if old == 0 { return true }  // no predecessor: it is ours
            tasks[task].frame.scratch = old
            tasks[task].frame.phase = MCSAcquirePhase.linkBehind.rawValue
        case .linkBehind:
            tasks[task].frame.phase = MCSAcquirePhase.waitLocked.rawValue
        case .waitLocked:
            return true
        }
        return false
    }

    @inline(__always)
    mutating func mcsReleaseOp(task: Int, cpu c: Int, lock: LockRecord) -> Operation {
        let me = mcsCode(cpu: c)
        switch MCSReleasePhase(rawValue: tasks[task].frame.phase)! {
        case .readNode: return .load(mcsNode(code: me))
        case .clearTail: return .compareAndSwap(lock.line, expected: me, new: 0)
        case .waitSuccessor: return .spinWhile(mcsNode(code: me), mask: Self.high32, equals: 0)
        case .passOn: return .storeField(mcsNode(code: tasks[task].frame.scratch), mask: Self.low32, value: 0)
        }
    }

    /// Returns true when the lock is released (to nobody, or handed to the successor).
    @inline(__always)
    mutating func mcsReleaseFinish(task: Int, old: UInt64, succeeded: Bool) -> Bool {
        switch MCSReleasePhase(rawValue: tasks[task].frame.phase)! {
        case .readNode:
            let next = old >> 32
            if next != 0 {
                tasks[task].frame.scratch = next
                tasks[task].frame.phase = MCSReleasePhase.passOn.rawValue
            } else {
                tasks[task].frame.phase = MCSReleasePhase.clearTail.rawValue
            }
        case .clearTail:
            if succeeded { return true }
            tasks[task].frame.phase = MCSReleasePhase.waitSuccessor.rawValue  // a successor is linking in
        case .waitSuccessor:
            tasks[task].frame.scratch = old >> 32
            tasks[task].frame.phase = MCSReleasePhase.passOn.rawValue
        case .passOn:
            return true
        }
        return false
    }
}
