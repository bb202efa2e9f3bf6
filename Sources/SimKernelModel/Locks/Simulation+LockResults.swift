import SimMachine

extension Simulation {
    /// The locks of kernel `k` (-1: the machine's), by name, in the order they were made.
    func lockResults(kernel k: Int) -> [LockResult] {
        locks.stats.filter { $0.kernel == k }.map { s in
            LockResult(name: s.name, algorithm: s.algorithm.rawValue, acquisitions: s.acquisitions, contended: s.contended,
                       holdMeanNs: s.acquisitions > 0 ? Double(s.holdPs) / Double(s.acquisitions) / 1000 : 0,
                       wait: LatencySummary(s.wait), handoff: LatencySummary(s.handoff), slept: s.slept,
                       rwsem: s.algorithm == .rwsem ? RWSemCounts(handoffs: s.handoffsAsked, readerGrants: s.readerGrants,
                                                                  readersGranted: s.readersGranted) : nil)
        }
    }
}
