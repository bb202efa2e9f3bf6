import Foundation
import SimScenario

/// One outcome of `mksim check`: an expectation on a point, or a point against its baseline.
public struct CheckCase: Sendable {
    public var file: String
    public var point: String
    public var name: String
    public var passed: Bool
    public var message: String
    public var reproducer: String

    public init(file: String, point: String, name: String, passed: Bool, message: String, reproducer: String) {
        self.file = file; self.point = point; self.name = name; self.passed = passed; self.message = message; self.reproducer = reproducer
    }
}

/// A metric that moved between a baseline and a run.
public struct MetricChange: Sendable {
    public var metric: String
    public var old: Double?
    public var new: Double?

    public init(metric: String, old: Double?, new: Double?) { self.metric = metric; self.old = old; self.new = new }

    /// Relative change (new − old) / |old|; infinite when a metric appeared from zero or vanished.
    public var relative: Double {
        guard let old, let new else { return .infinity }
        if old == new { return 0 }
        return old == 0 ? .infinity : (new - old) / abs(old)
    }

    public var description: String {
        func f(_ x: Double?) -> String { x.map { JSONValue.format($0, decimals: 3) } ?? "absent" }
        let change = relative.isFinite ? String(format: "%+.2f%%", relative * 100) : "new/absent"
        return "\(metric): \(f(old)) -> \(f(new)) (\(change))"
    }
}

public enum CheckSupport {
    /// How a point is named in baselines and reports: its variant and sweep values.
    public static func label(_ point: RunPoint, sweepKeys: [String]) -> String {
        var parts: [String] = []
        if let v = point.variant { parts.append("variant=\(v)") }
        for p in point.params where sweepKeys.contains(p.key) { parts.append("\(p.key)=\(p.value)") }
        return parts.isEmpty ? "default" : parts.joined(separator: ",")
    }

    /// The command that runs exactly this point.
    public static func reproducer(file: String, point: RunPoint, seed: UInt64?) -> String {
        var words = ["mksim", "run", shellQuote(file)]
        if let v = point.variant { words += ["--variant", shellQuote(v)] }
        for p in point.params where p.key != "seed" { words += ["--set", shellQuote("\(p.key)=\(p.value)")] }
        if let seed { words += ["--seed", "\(seed)"] }
        return words.joined(separator: " ")
    }

    public static func shellQuote(_ s: String) -> String {
        let safe = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_./=:,@%+"))
        return s.unicodeScalars.allSatisfy { safe.contains($0) } ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// Metrics that differ by more than `tolerance` (relative), in the new result's order, then vanished ones.
    public static func changes(old: [String: Double], new: [(String, Double)], tolerance: Double) -> [MetricChange] {
        var out: [MetricChange] = []
        var seen = Set<String>()
        for (name, value) in new {
            seen.insert(name)
            let o = old[name]
            let c = MetricChange(metric: name, old: o, new: value)
            if o == nil {
                if value != 0 { out.append(c) }
            } else if abs(value - o!) > max(abs(o!) * tolerance, 1e-9) {
                out.append(c)
            }
        }
        for (name, value) in old.sorted(by: { $0.key < $1.key }) where !seen.contains(name) && value != 0 {
            out.append(MetricChange(metric: name, old: value, new: nil))
        }
        return out
    }

    /// Parses "2%" or "0.02".
    public static func tolerance(_ text: String) -> Double? {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.hasSuffix("%"), let v = Double(t.dropLast()), v >= 0 { return v / 100 }
        if let v = Double(t), v >= 0 { return v }
        return nil
    }
}

/// JSON text read back (key order kept) through the YAML reader, which reads JSON.
public enum JSONText {
    public static func parse(_ text: String, file: String) throws(ScenarioErrors) -> JSONValue {
        convert(try YNode.parse(text, file: file))
    }

    static func convert(_ n: YNode) -> JSONValue {
        switch n.value {
        case .scalar(let s, let plain):
            if plain {
                if s == "null" { return .null }
                if s == "true" || s == "false" { return .bool(s == "true") }
                if let i = Int64(s) { return .int(i) }
                if let u = UInt64(s) { return .uint(u) }
                if let d = Double(s) { return .number(d, decimals: 6) }
            }
            return .string(s)
        case .sequence(let items): return .array(items.map(convert))
        case .mapping(let pairs): return .object(pairs.map { ($0.key, convert($0.value)) })
        }
    }
}

/// A baseline: per scenario file, per point label, every metric of the run.
public struct Baseline: Sendable {
    public var entries: [String: [String: [String: Double]]] = [:]
    /// Key order of files and points as written, for a stable file.
    var order: [(String, [String])] = []

    public init() {}

    public init(text: String, file: String) throws(ScenarioErrors) {
        let json = try JSONText.parse(text, file: file)
        guard case .some(.object(let files)) = json.lookup(["scenarios"]).first?.1 else {
            throw ScenarioErrors([Diagnostic(file: file, line: 1, column: 1, path: "scenarios", message: "not an mksim baseline (no 'scenarios' object)")])
        }
        for (name, points) in files {
            guard case .object(let ps) = points else { continue }
            let f = Self.key(for: name)
            var labels: [String] = []
            for (label, metrics) in ps {
                guard case .object(let ms) = metrics else { continue }
                var values: [String: Double] = [:]
                for (k, v) in ms { if let x = v.doubleValue { values[k] = x } }
                entries[f, default: [:]][label] = values
                metricOrder[f + "\u{0}" + label] = ms.map(\.0)
                labels.append(label)
            }
            if let i = order.firstIndex(where: { $0.0 == f }) { order[i].1 += labels.filter { !order[i].1.contains($0) } } else { order.append((f, labels)) }
        }
    }

    /// How a scenario file is named in a baseline: its path relative to the current folder,
    /// normalized (`./scenarios/x.yaml` and `scenarios/../scenarios/x.yaml` are
    /// `scenarios/x.yaml`); a file outside the current folder keeps its absolute path.
    public static func key(for path: String) -> String {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).standardized.path
        let full = URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: cwd, isDirectory: true)).standardized.path
        if full.hasPrefix(cwd + "/") { return String(full.dropFirst(cwd.count + 1)) }
        return full
    }

    /// Drops a file's points (before recording it again).
    public mutating func forget(file: String) {
        entries[file] = nil
        if let i = order.firstIndex(where: { $0.0 == file }) { order[i].1 = [] }
    }

    public mutating func record(file: String, label: String, metrics: [(String, Double)]) {
        if let i = order.firstIndex(where: { $0.0 == file }) {
            if !order[i].1.contains(label) { order[i].1.append(label) }
        } else {
            order.append((file, [label]))
        }
        entries[file, default: [:]][label] = Dictionary(metrics, uniquingKeysWith: { a, _ in a })
        metricOrder[file + "\u{0}" + label] = metrics.map(\.0)
    }

    var metricOrder: [String: [String]] = [:]

    public func render() -> String {
        var files: [(String, JSONValue)] = []
        for (f, labels) in order {
            var points: [(String, JSONValue)] = []
            for l in labels {
                guard let m = entries[f]?[l] else { continue }
                let names = metricOrder[f + "\u{0}" + l] ?? m.keys.sorted()
                points.append((l, .object(names.compactMap { n in m[n].map { (n, JSONValue.number($0, decimals: 6)) } })))
            }
            files.append((f, .object(points)))
        }
        return JSONValue.object([("mksim", .int(1)), ("kind", .string("baseline")), ("scenarios", .object(files))]).render() + "\n"
    }
}

/// JUnit XML: one test suite per scenario file, one test case per check.
public enum JUnit {
    public static func xml(_ cases: [CheckCase]) -> String {
        var files: [String] = []
        for c in cases where !files.contains(c.file) { files.append(c.file) }
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        let failures = cases.filter { !$0.passed }.count
        out += "<testsuites name=\"mksim check\" tests=\"\(cases.count)\" failures=\"\(failures)\">\n"
        for f in files {
            let mine = cases.filter { $0.file == f }
            out += "  <testsuite name=\"\(escape(f))\" tests=\"\(mine.count)\" failures=\"\(mine.filter { !$0.passed }.count)\">\n"
            for c in mine {
                out += "    <testcase classname=\"\(escape(f)) [\(escape(c.point))]\" name=\"\(escape(c.name))\""
                if c.passed {
                    out += "/>\n"
                } else {
                    out += ">\n      <failure message=\"\(escape(c.message))\">\(escape(c.message + "\nreproduce: " + c.reproducer))</failure>\n    </testcase>\n"
                }
            }
            out += "  </testsuite>\n"
        }
        return out + "</testsuites>\n"
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: if ch.value < 0x20 && ch != "\n" && ch != "\t" { out += " " } else { out.unicodeScalars.append(ch) }
            }
        }
        return out
    }
}
