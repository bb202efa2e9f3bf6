/// How an IPI to several CPUs names them (Intel SDM vol. 3A, 11.6.2 and 11.12.10), which
/// decides how many writes of the interrupt command register the sender makes.
public enum IPIAddressing: UInt8, Sendable, CaseIterable, BitwiseCopyable {
    /// Physical destination mode: one ICR write per CPU (Linux's default loop).
    case physical
    /// Logical cluster mode: one write per cluster, a bit mask within it. x2APIC clusters
    /// hold 16 logical IDs; xAPIC clusters hold 4.
    case cluster
    /// A destination shorthand (all excluding self): one write reaches every other CPU of
    /// the machine, whichever kernel owns it.
    case shorthand

    public var name: String {
        switch self {
        case .physical: "physical"
        case .cluster: "cluster"
        case .shorthand: "shorthand"
        }
    }
}
