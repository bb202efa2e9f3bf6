/// One result as the report shows it: where it sits in the sweep and its numbers.
struct ReportPoint {
    var file: String
    var json: JSONValue
    var variant: String?
    /// The sweep's values for this point, in the sweep's key order (not `--set` overrides).
    var sweep: [(key: String, value: String)]
    var overrides: [(key: String, value: String)]

    init(file: String, json: JSONValue) {
        self.file = file
        self.json = json
        variant = json["variant"]?.stringValue
        let overridden = Set((json.at("provenance.overrides")?.objectPairs ?? []).map(\.0))
        let params = (json["params"]?.objectPairs ?? []).map { (key: $0.0, value: $0.1.text) }
        sweep = params.filter { !overridden.contains($0.key) }
        overrides = params.filter { overridden.contains($0.key) }
    }

    /// "split, total_threads=8": variant and sweep values, the last key segment only.
    var label: String {
        let parts = [variant].compactMap { $0 } + sweep.map { "\(Self.short($0.key))=\($0.value)" }
        return parts.isEmpty ? "result" : parts.joined(separator: ", ")
    }

    func sweepValue(_ key: String) -> String? { sweep.first { $0.key == key }?.value }

    /// The name a reader knows a key by: `workloads.unlink.total_threads` → `total_threads`.
    static func short(_ key: String) -> String { key.split(separator: ".").last.map(String.init) ?? key }

    func number(_ path: String) -> Double? { json.at(path)?.doubleValue }
    var workloads: [String] { (json["workloads"]?.objectPairs ?? []).map(\.0) }
    var kernels: [String] { (json["kernels"]?.objectPairs ?? []).map(\.0) }
}
