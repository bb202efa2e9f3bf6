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

    public subscript(c: InstructionClass) -> Double { cycles[c.rawValue] }

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

    /// Cycles for a mix of instruction counts by class.
    public func cycles(for counts: [InstructionClass: UInt64]) -> UInt64 {
        var total = 0.0
        for (c, n) in counts { total += Double(n) * self[c] }
        return UInt64(total.rounded())
    }
}
