/// Classes of instructions the core model times differently.
public enum InstructionClass: Int, CaseIterable, Sendable, Codable {
    case alu, mulDiv, fpSimd, load, store, atomic, branch, fence, pause, syscall, nop

    public var name: String {
        switch self {
        case .alu: "alu"
        case .mulDiv: "mul_div"
        case .fpSimd: "fp_simd"
        case .load: "load"
        case .store: "store"
        case .atomic: "atomic"
        case .branch: "branch"
        case .fence: "fence"
        case .pause: "pause"
        case .syscall: "syscall"
        case .nop: "nop"
        }
    }
}

/// Average cycles per instruction by class for one microarchitecture.
///
/// Figures are reciprocal throughputs of typical instructions (Agner Fog's
/// instruction tables; uops.info), not latencies: a stream of independent
/// instructions is what a compute stretch of a trace is, on average.
public struct LatencyTable: Sendable, Hashable {
    public var name: String
    public var cycles: [Double]  // indexed by InstructionClass.rawValue

    public init(name: String, cycles: [InstructionClass: Double]) {
        self.name = name
        self.cycles = InstructionClass.allCases.map { cycles[$0] ?? 1 }
    }

    @inlinable public subscript(c: InstructionClass) -> Double { cycles[c.rawValue] }

    /// Skylake-SP / Cascade Lake.
    public static let skylakeServer = LatencyTable(name: "skylake-server", cycles: [
        .alu: 0.25, .mulDiv: 1, .fpSimd: 0.5, .load: 0.5, .store: 1, .atomic: 18, .branch: 0.5,
        .fence: 33, .pause: 140, .syscall: 100, .nop: 0.25,
    ])
    /// AMD Zen 2.
    public static let zen2 = LatencyTable(name: "zen2", cycles: [
        .alu: 0.25, .mulDiv: 1, .fpSimd: 0.5, .load: 0.5, .store: 1, .atomic: 8, .branch: 0.5,
        .fence: 20, .pause: 65, .syscall: 100, .nop: 0.2,
    ])

    /// Broadwell (Xeon E5 v4): four integer ALU ports, two load ports, one store port
    /// (Intel Optimization Reference Manual, Haswell/Broadwell execution ports); PAUSE about
    /// 10 cycles ("about 10 cycles in prior generations", the same manual's Skylake section);
    /// MFENCE and the locked cost as Skylake-SP (Agner Fog's tables list them alike).
    public static let broadwellServer = LatencyTable(name: "broadwell-server", cycles: [
        .alu: 0.25, .mulDiv: 1, .fpSimd: 0.5, .load: 0.5, .store: 1, .atomic: 18, .branch: 0.5,
        .fence: 33, .pause: 10, .syscall: 100, .nop: 0.25,
    ])
    /// Golden Cove (Sapphire Rapids): five integer ALU ports, three load ports, two store
    /// data ports (Intel Optimization Reference Manual, Golden Cove); PAUSE, MFENCE and the
    /// locked cost as Skylake-SP (an assumption: no figure for this core here).
    public static let goldenCove = LatencyTable(name: "golden-cove", cycles: [
        .alu: 0.2, .mulDiv: 1, .fpSimd: 0.5, .load: 0.33, .store: 0.5, .atomic: 18, .branch: 0.5,
        .fence: 33, .pause: 140, .syscall: 100, .nop: 0.2,
    ])
    /// Intel Core (Clovertown, Xeon X5355): three ALU ports, one load and one store port, one
    /// branch unit (Intel Optimization Reference Manual, Intel Core microarchitecture); PAUSE
    /// about 10 cycles (as Broadwell); MFENCE and the locked cost are assumptions (Skylake-SP's).
    public static let core = LatencyTable(name: "core", cycles: [
        .alu: 0.33, .mulDiv: 1, .fpSimd: 0.5, .load: 1, .store: 1, .atomic: 22, .branch: 1,
        .fence: 33, .pause: 10, .syscall: 100, .nop: 0.33,
    ])
    /// AMD K10 (Opteron 8300): three integer pipelines, two loads a cycle, one store, 64-bit
    /// multiply every 2 cycles (AMD Software Optimization Guide for Family 10h); PAUSE and
    /// MFENCE are assumptions (Zen 2's).
    public static let k10 = LatencyTable(name: "k10", cycles: [
        .alu: 0.33, .mulDiv: 2, .fpSimd: 0.5, .load: 0.5, .store: 1, .atomic: 20, .branch: 0.5,
        .fence: 20, .pause: 65, .syscall: 100, .nop: 0.33,
    ])

    /// The table of a machine, by its preset's name (a machine derived from a preset keeps
    /// the preset's name): Skylake-SP for anything else.
    public static func forMachine(named name: String) -> LatencyTable {
        if name.hasPrefix("epyc") { return .zen2 }
        if name.hasPrefix("xeon-e5") { return .broadwellServer }
        if name.hasPrefix("xeon-gold-5418y") { return .goldenCove }
        if name.hasPrefix("intel-2x4-2009") { return .core }
        if name.hasPrefix("opteron") { return .k10 }
        return .skylakeServer
    }

    /// Cycles for a mix of instruction counts by class.
    public func cycles(for counts: [InstructionClass: UInt64]) -> UInt64 {
        var total = 0.0
        for (c, n) in counts { total += Double(n) * self[c] }
        return UInt64(total.rounded())
    }
}
