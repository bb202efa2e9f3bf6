import SimMachine

/// LLC way partitioning (Intel CAT, AMD L3 QoS): a kernel instance's CPUs fill only the
/// last-level ways its `llc_ways` names, so another instance's streaming cannot evict its
/// lines, while hits are still found in any way. Partitions of different kernels may
/// overlap, as classes of service may.
extension Simulation {
    mutating func applyCachePartitions() throws(ConfigurationError) {
        for kc in config.kernels where !kc.llcWays.isEmpty {
            guard let ways = directory.lastLevelWays else {
                throw ConfigurationError("kernel '\(kc.name)': llc_ways needs a machine with a shared last-level cache", about: .kernel(kc.name))
            }
            guard ways <= 64, kc.llcWays.allSatisfy({ $0 >= 0 && $0 < ways }) else {
                throw ConfigurationError("kernel '\(kc.name)': llc_ways \(kc.llcWays) are not ways of a \(ways)-way last-level cache", about: .kernel(kc.name))
            }
            for c in kc.cpus { directory.setLastLevelFillWays(cpu: c, ways: kc.llcWays) }
        }
    }

    /// A CPU handed to kernel `k` (a resource move) fills that kernel's ways from now on.
    mutating func joinCachePartition(cpu c: Int, kernel k: Int) {
        directory.setLastLevelFillWays(cpu: c, ways: kernels[k].config.llcWays)
    }
}
