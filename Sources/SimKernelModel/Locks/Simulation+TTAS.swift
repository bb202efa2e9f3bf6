import SimCPU
import SimMachine

/// Test-and-test-and-set spinlock (Rudolph & Segall, ISCA 1984; measured against queue
/// locks by Anderson, IEEE TPDS 1990, and Mellor-Crummey & Scott, TOCS 1991): one word,
/// 0 free, 1 held.
///
/// acquire: spin until the word reads 0 (each waiter spins on its own shared copy), then
///          exchange(word, 1); an old value of 0 takes the lock, else spin again.
/// release: store 0.
/// Every release invalidates all waiters' copies; they all re-read the line and race their
/// exchanges, and one wins: the stampede ticket and queue locks avoid, with no fairness.
enum TTASPhase: UInt8 {
    /// Spin on the word until it reads free.
    case watch
    /// Try to take it with an exchange.
    case grab
}

extension Simulation {
    // `mutating` only so that self is passed by reference (see `rwAcquireOp`).
    mutating func ttasAcquireOp(task: Int, lock: LockRecord) -> Operation {
        switch TTASPhase(rawValue: tasks[task].frame.phase)! {
        case .watch: return .spinUntil(lock.line, mask: .max, equals: 0)
        case .grab: return .exchange(lock.line, 1)
        }
    }

    /// Returns true when the lock is taken.
    mutating func ttasAcquireFinish(task: Int, outcome: AccessOutcome?) -> Bool {
        switch TTASPhase(rawValue: tasks[task].frame.phase)! {
        case .watch:
            tasks[task].frame.phase = TTASPhase.grab.rawValue
        case .grab:
            if outcome?.oldValue == 0 { return true }
            tasks[task].locking.waited = true  // another waiter's exchange came first
            tasks[task].frame.phase = TTASPhase.watch.rawValue
        }
        return false
    }
}
