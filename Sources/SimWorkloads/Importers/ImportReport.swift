/// What an importer did, for the user (and for tests).
public struct ImportReport: Sendable {
    public var records: UInt64 = 0
    public var instructions: UInt64 = 0
    /// Distinct instruction addresses decoded.
    public var decodedAddresses = 0
    /// Instructions whose bytes were not in the executable or did not decode.
    public var undecodable: UInt64 = 0
    /// The first few undecodable addresses (with why).
    public var undecodableSamples: [String] = []
    public var notes: [String] = []
    public init() {}

    public var summary: String {
        var s = "\(records) records"
        if instructions > 0 {
            s += ", \(instructions) instructions (\(decodedAddresses) distinct addresses decoded, \(undecodable) undecodable)"
        }
        for u in undecodableSamples { s += "\n  undecodable: " + u }
        for n in notes { s += "\n  note: " + n }
        return s
    }
}
