import SimScenario

/// Sweep results as CSV. Two shapes: `wide`, one row per point with every metric a column
/// (sweep.csv, a spreadsheet's view), and `long` ("tidy"), one row per point × metric, the
/// kernel, workload, channel or link a metric belongs to in columns of its own rather than
/// inside the metric's name, so that variants with different kernels share columns
/// (sweep-long.csv, pandas' and R's view). Every row carries its provenance.
public enum SweepCSV {
    public enum Shape: String, Sendable, CaseIterable {
        case wide, long
        public var fileName: String { self == .wide ? "sweep.csv" : "sweep-long.csv" }
    }

    /// Provenance columns (named as in the result's `provenance`), last in a row: what made it.
    static let provenanceColumns = ["mksim_version", "commit", "scenario_sha256", "command"]

    public static func make(_ results: [(RunPoint, JSONValue)], shape: Shape = .wide) -> String {
        shape == .wide ? wide(results) : long(results)
    }

    static func wide(_ results: [(RunPoint, JSONValue)]) -> String {
        var columns: [String] = []
        var rows: [[String: String]] = []
        for (i, (p, json)) in results.enumerated() {
            var row = identity(p, json, index: i)
            for (name, value) in Metrics.flatten(json) {
                if !columns.contains(name) { columns.append(name) }
                row[name] = JSONValue.format(value, decimals: 6)
            }
            rows.append(row)
        }
        let keys = leadingColumns(results)
        let all = keys + columns.filter { !keys.contains($0) } + provenanceColumns
        var out = all.map(escape).joined(separator: ",") + "\n"
        for row in rows { out += all.map { escape(row[$0] ?? "") }.joined(separator: ",") + "\n" }
        return out
    }

    static func long(_ results: [(RunPoint, JSONValue)]) -> String {
        let keys = leadingColumns(results)
        let all = keys + ["scope", "name", "metric", "value"] + provenanceColumns
        var out = all.map(escape).joined(separator: ",") + "\n"
        for (i, (p, json)) in results.enumerated() {
            var row = identity(p, json, index: i)
            for (path, value) in Metrics.flatten(json) {
                let (scope, name, metric) = split(path)
                row["scope"] = scope
                row["name"] = name
                row["metric"] = metric
                row["value"] = JSONValue.format(value, decimals: 6)
                out += all.map { escape(row[$0] ?? "") }.joined(separator: ",") + "\n"
            }
        }
        return out
    }

    /// point, scenario, variant, the sweep and --set keys, seed.
    static func leadingColumns(_ results: [(RunPoint, JSONValue)]) -> [String] {
        var keys = ["point", "scenario", "variant"]
        for (p, _) in results { for param in p.params where !keys.contains(param.key) { keys.append(param.key) } }
        if !keys.contains("seed") { keys.append("seed") }
        return keys
    }

    /// The columns that say which point a row is (`point` numbers it as point-NNNN.json).
    static func identity(_ p: RunPoint, _ json: JSONValue, index: Int) -> [String: String] {
        var row: [String: String] = ["point": String(index + 1), "scenario": p.scenario.name, "variant": p.variant ?? "", "seed": String(p.scenario.config.seed)]
        for param in p.params { row[param.key] = param.value }
        for key in provenanceColumns {
            if case .some(.string(let s)) = json.lookup(["provenance", Substring(key)]).first?.1 { row[key] = s }
        }
        return row
    }

    /// A flattened metric path split into what it belongs to and the metric:
    /// `kernels.host.locks.L.wait_ns.p99` → (kernel, host, locks.L.wait_ns.p99).
    static func split(_ path: String) -> (scope: String, name: String, metric: String) {
        let parts = path.split(separator: ".", maxSplits: 2).map(String.init)
        let scopes = ["kernels": "kernel", "workloads": "workload", "channels": "channel", "interconnect": "link"]
        if let scope = scopes[parts[0]], parts.count == 3 { return (scope, parts[1], parts[2]) }
        if parts[0] == "coherence" || parts[0] == "apic" {
            return (parts[0], "", parts.dropFirst().joined(separator: "."))
        }
        return ("run", "", path)
    }

    static func escape(_ s: String) -> String {
        s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
