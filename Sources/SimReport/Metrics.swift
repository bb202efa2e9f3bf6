/// Results flattened to dotted metric names, the vocabulary of `expect:`, baselines and `compare`.
public enum Metrics {
    /// Sections of a result that are measurements (not configuration, not host timing).
    static let sections = ["sim_time_ns", "workloads", "kernels", "coherence.accesses", "coherence.transfers", "coherence.caches",
                                "coherence.writebacks", "apic", "interconnect", "channels"]

    /// Every numeric metric of a result, in the result's key order.
    public static func flatten(_ json: JSONValue) -> [(String, Double)] {
        var out: [(String, Double)] = []
        func walk(_ v: JSONValue, _ path: String) {
            switch v {
            case .object(let pairs): for (k, child) in pairs { walk(child, "\(path).\(k)") }
            default: if let x = v.doubleValue { out.append((path, x)) }
            }
        }
        for s in sections {
            for (path, v) in json.lookup(s.split(separator: ".")) {
                if case .object = v { walk(v, path) } else if let x = v.doubleValue { out.append((path, x)) }
            }
        }
        return out
    }
}
