import SimMachine

/// Every lock of the run: its record (line, algorithm, holder's timing, wait list), the
/// statistics of its name (several records share one: a per-CPU lock, a lock shared by
/// copies) and each CPU's node for mutexes' optimistic-spin queues.
struct LockTable {
    var records: [LockRecord] = []
    var stats: [LockStats] = []
    /// Per CPU, its optimistic-spin queue node (-1 until it first spins on a mutex).
    var osqNodes: [LineID] = []

    /// A new lock on `line` counted under `stat`; returns its record index.
    @discardableResult
    mutating func add(line: LineID, algorithm: LockAlgorithm, stat: Int, irqsave: Bool) -> Int {
        records.append(LockRecord(line: line, algorithm: algorithm, stat: stat, irqsave: irqsave))
        return records.count - 1
    }

    /// A new statistics entry (a lock's name); returns its index.
    mutating func addStats(kernel: Int, name: String, algorithm: LockAlgorithm) -> Int {
        stats.append(LockStats(kernel: kernel, name: name, algorithm: algorithm))
        return stats.count - 1
    }
}

struct LockRecord {
    var line: LineID
    var algorithm: LockAlgorithm
    var stat: Int
    var holdStart = Picoseconds.zero
    /// Taken with interrupts disabled (spin_lock_irqsave): IPIs to the holder, and to a CPU
    /// spinning for it, wait until it is released.
    var irqsave = false
    /// When it was last released (hand-off latency of a waiter that then takes it).
    var releasedAt = Picoseconds.zero
    /// Mutex wait list, FIFO, linked through `TaskState.nextLockWaiter`.
    var waitHead: Int32 = -1
    var waitTail: Int32 = -1
    /// Mutex: the optimistic-spin queue's tail line (-1 until someone first spins).
    var osq: LineID = -1
    /// An rwsem grant to waiting readers is under way (its word operation not yet done):
    /// no second one counts the same readers.
    var granting = false
}

struct LockStats {
    var kernel: Int
    var name: String
    var algorithm: LockAlgorithm
    var acquisitions: UInt64 = 0
    var contended: UInt64 = 0
    var holdPs: UInt64 = 0
    var wait = latencyHistogram()
    /// From a release to a waiting acquirer holding the lock.
    var handoff = latencyHistogram()
    /// Mutex acquisitions that slept.
    var slept: UInt64 = 0
    /// rwsem: times a waiter set HANDOFF, grants to waiting readers, readers so granted.
    var handoffsAsked: UInt64 = 0
    var readerGrants: UInt64 = 0
    var readersGranted: UInt64 = 0
}
