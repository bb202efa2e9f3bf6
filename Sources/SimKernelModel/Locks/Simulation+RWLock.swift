import SimCPU
import SimMachine

/// The reader-writer spinlock: one word, the writer bit on top, the reader count below.
///
/// read acquire:  r = fetch_add(word, 1); if r has the writer bit: fetch_add(word, -1),
///                spin while the writer bit is set, retry
/// read release:  fetch_add(word, -1)
/// write acquire: cas(word, 0, WRITER); on failure spin until the word is 0, retry
/// write release: fetch_add(word, -WRITER) (readers' transient counts stay intact)
enum RWLockPhase: UInt8 {
    /// A reader's fetch_add, or a writer's CAS from zero.
    case attempt
    /// A reader backs out (fetch_add −1); a writer spins until the word is zero.
    case backOff
    /// A reader that backed out spins while the writer bit is set.
    case waitWriter
}

extension Simulation {
    static let writerBit: UInt64 = 1 << 63

    // `mutating` only so that self is passed by reference: called out of line from the event
    // loop, a non-mutating method received a copy of the whole Simulation (a memcpy per call).
    mutating func rwAcquireOp(task: Int, lock: LockRecord) -> Operation {
        let shared = tasks[task].locking.lockShared
        switch RWLockPhase(rawValue: tasks[task].frame.phase)! {
        case .attempt: return shared ? .fetchAdd(lock.line, 1) : .compareAndSwap(lock.line, expected: 0, new: Self.writerBit)
        case .backOff: return shared ? .fetchAdd(lock.line, UInt64.max) : .spinUntil(lock.line, mask: .max, equals: 0)
        case .waitWriter: return .spinUntil(lock.line, mask: Self.writerBit, equals: 0)
        }
    }

    mutating func rwAcquireFinish(task: Int, outcome: AccessOutcome?) -> Bool {
        let old = outcome?.oldValue ?? 0
        let shared = tasks[task].locking.lockShared
        switch RWLockPhase(rawValue: tasks[task].frame.phase)! {
        case .attempt:
            if shared ? old & Self.writerBit == 0 : outcome?.succeeded == true { return true }
            tasks[task].locking.waited = true
            tasks[task].frame.phase = RWLockPhase.backOff.rawValue
        case .backOff:
            // A reader backed out and waits; a writer saw zero and tries again.
            tasks[task].frame.phase = (shared ? RWLockPhase.waitWriter : .attempt).rawValue
        case .waitWriter:
            tasks[task].frame.phase = RWLockPhase.attempt.rawValue
        }
        return false
    }
}
