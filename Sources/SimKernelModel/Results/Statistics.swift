import Histogram
import SimMachine

/// What the scheduler did to one task (reported per task).
struct TaskSchedulingStats {
    var slices: UInt64 = 0
    var preemptions: UInt64 = 0
    var voluntary: UInt64 = 0
    /// By `MigrationKind`.
    var migrations = [UInt64](repeating: 0, count: MigrationKind.allCases.count)
    /// From a wake-up to running, and from becoming runnable to running.
    var wakeup = DelayStats()
    var wait = DelayStats()
    var exitedAt: Picoseconds?
}

/// Count, sum and maximum of a delay: per-task figures without a histogram per task.
struct DelayStats {
    var count: UInt64 = 0
    var sumPs: UInt64 = 0
    var maxPs: UInt64 = 0

    mutating func record(_ ps: UInt64) {
        count &+= 1
        sumPs &+= ps
        maxPs = max(maxPs, ps)
    }

    var meanNs: Double { count > 0 ? Double(sumPs) / Double(count) / 1000 : 0 }
    var maxNs: Double { Double(maxPs) / 1000 }
}

/// How far a task moved when it ran on another CPU than last time.
public enum MigrationKind: Int, CaseIterable, Sendable {
    /// Another core or SMT thread under the same last-level cache.
    case sameLLC
    /// Another LLC domain (AMD CCX) of the same socket.
    case sameSocket
    case crossSocket
    /// To another kernel instance (Popcorn-style task migration).
    case crossKernel

    public var name: String {
        switch self {
        case .sameLLC: "same_llc"
        case .sameSocket: "same_socket"
        case .crossSocket: "cross_socket"
        case .crossKernel: "cross_kernel"
        }
    }
}

struct WorkloadStats {
    var name: String
    var tasks = 0
    var ops: UInt64 = 0
    var firstStart: Picoseconds?
    var lastOp = Picoseconds.zero
    var latency = latencyHistogram()
    /// Wake from sleep to running, and any runnable-to-running wait (new, woken, preempted).
    var wakeupLatency = latencyHistogram()
    var runqueueWait = latencyHistogram()
    /// Lengths of uninterrupted runs on a CPU, ended by preemption, sleep or exit.
    var slices = latencyHistogram()
    var migrations = [UInt64](repeating: 0, count: MigrationKind.allCases.count)
    var exited = 0
    var lastExit = Picoseconds.zero
    /// Cross-kernel migrations: from leaving the CPU to being runnable in the new instance.
    var transfer = DelayStats()
}

/// A latency histogram fed through a one-value run-length buffer: a run of equal values
/// (an IPI ring's constant hop) costs a compare each instead of a histogram update, which
/// was ~12% of the ring benchmark.
struct RunLengthHistogram {
    var histogram = latencyHistogram()
    var value: UInt64 = 0
    var count: UInt64 = 0

    @inline(__always) mutating func record(_ v: UInt64) {
        if v == value && count > 0 { count &+= 1; return }
        flush()
        value = v
        count = 1
    }

    mutating func flush() {
        if count > 0 { _ = histogram.record(value, count: count) }
        count = 0
    }

    var summary: LatencySummary {
        var copy = self
        copy.flush()
        return LatencySummary(copy.histogram)
    }
}

/// Latencies in picoseconds up to ~75 minutes, two significant digits (~1%).
func latencyHistogram() -> Histogram<UInt64> {
    Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 1 << 52, numberOfSignificantValueDigits: .two)
}
