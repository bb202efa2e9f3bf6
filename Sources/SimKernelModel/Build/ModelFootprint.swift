/// How much host memory a model will take, estimated from its configuration before it is
/// built, so that a scenario that would take more than the machine has is refused at once
/// with the reason (a 65,536-CPU machine, a million tasks) instead of paging for minutes.
///
/// The terms and their constants were measured (peak RSS by /usr/bin/time of `mksim
/// validate` on machines of 2,048 to 32,768 CPUs and on 1 to 400,000 tasks; within 15% of
/// every measurement, docs/model.md): the coherence directory keeps two sharer bitmaps of
/// one bit per CPU for every line, and the kernels have about a dozen lines per CPU, which
/// makes ~3 bytes per pair of CPUs; each CPU's other state; each task's; the lines that
/// generated workloads give their tasks (compute-memory's `private_lines` for each thread,
/// `shared_lines` for each copy: ~160 bytes a line with its name and statistics, and 16 per
/// 64 CPUs of sharer bits; measured on 50,000 tasks of 0, 64 and 256 lines). Cache arrays are
/// not counted: they are reserved zeroed and take memory only where the run touches them.
public struct ModelFootprint: Sendable {
    /// 1 GiB: a model above it (more than ~16,000 CPUs, a million tasks, 80,000 compute-memory
    /// threads) is nearly always a typo or a sweep value off by a few zeros, and refusing it
    /// in milliseconds protects CI runners and laptops; `--max-memory` raises it.
    public static let defaultLimit: UInt64 = 1 << 30
    static let baseBytes: UInt64 = 32 << 20
    static let bytesPerCPUPair: UInt64 = 3
    static let bytesPerCPU: UInt64 = 8 << 10
    static let bytesPerTask: UInt64 = 1_750
    static let bytesPerLine: UInt64 = 160
    static let bytesPerLineAnd64CPUs: UInt64 = 16

    public var cpus: Int
    public var tasks: Int
    /// Lines the generated workloads allocate for their tasks and copies.
    public var workloadLines: Int
    /// The parts, largest first: what a refusal names.
    public var parts: [(what: String, bytes: UInt64)]
    public var bytes: UInt64 { parts.reduce(Self.baseBytes) { $0 &+ $1.bytes } }

    public init(_ config: SimulationConfig) {
        cpus = config.machine.topology.cpuCount
        tasks = config.workloads.reduce(0) { $0 + $1.copies.reduce(0) { $0 + $1.threads } }
        workloadLines = config.workloads.reduce(0) { $0 &+ Self.lines(of: $1) }
        let n = UInt64(cpus)
        let lineBytes = Self.bytesPerLine + UInt64((cpus + 63) / 64) * Self.bytesPerLineAnd64CPUs
        parts = [
            ("the coherence directory's sharer sets for \(cpus) CPUs", n * n * Self.bytesPerCPUPair),
            ("the state of \(cpus) CPUs", n * Self.bytesPerCPU),
            ("\(tasks) tasks", UInt64(tasks) * Self.bytesPerTask),
            ("the \(workloadLines) lines of the workloads' tasks", UInt64(workloadLines) &* lineBytes),
        ].sorted { $0.1 > $1.1 }
    }

    /// The lines workload `w`'s generator allocates: compute-memory's private lines per
    /// thread and shared lines per copy (or once, shared across copies).
    static func lines(of w: WorkloadConfig) -> Int {
        guard case .computeMemory(_, _, let privateLines, let sharedLines, _, _, _, let acrossCopies, _) = w.generator else { return 0 }
        let threads = w.copies.reduce(0) { $0 &+ $1.threads }
        return threads &* privateLines &+ (acrossCopies ? sharedLines : w.copies.count &* sharedLines)
    }

    /// Refuses a model above `limit`, naming the estimate, its largest part and the limit.
    func check(limit: UInt64, config: SimulationConfig) throws(ConfigurationError) {
        guard bytes > limit else { return }
        let largest = parts[0].what
        // Point at what makes it big: the workload with most tasks, or the machine.
        let subject: ConfigurationSubject
        var key: String? = nil
        if largest.hasSuffix("lines of the workloads' tasks"), let w = config.workloads.max(by: { Self.lines(of: $0) < Self.lines(of: $1) }) {
            subject = .workload(w.name)
            key = "threads"
        } else if largest.hasSuffix("tasks"), let w = config.workloads.max(by: { a, b in
            a.copies.reduce(0) { $0 + $1.threads } < b.copies.reduce(0) { $0 + $1.threads }
        }) {
            subject = .workload(w.name)
            key = "threads"
        } else {
            subject = .machine
        }
        throw ConfigurationError("the model would take about \(Self.text(bytes)) of memory, mostly \(largest) (\(Self.text(parts[0].bytes))), "
            + "above the limit of \(Self.text(limit)); --max-memory raises it (like --max-memory \(Self.text(Self.roundUp(bytes)).split(separator: " ").joined()))",
            about: subject, key: key)
    }

    /// 1.5 GiB, 300 MiB.
    public static func text(_ b: UInt64) -> String {
        if b >= 1 << 30 { return JSONNumber.short(Double(b) / Double(1 << 30)) + " GiB" }
        return JSONNumber.short(Double(b) / Double(1 << 20)) + " MiB"
    }

    /// The next whole GiB above `b`.
    static func roundUp(_ b: UInt64) -> UInt64 { ((b >> 30) + 1) << 30 }
}

enum JSONNumber {
    /// One decimal at most: 1.5, 13, 0.3.
    static func short(_ x: Double) -> String {
        let r = (x * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
}
