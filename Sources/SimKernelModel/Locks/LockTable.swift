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
