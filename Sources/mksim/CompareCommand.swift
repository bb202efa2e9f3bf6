import ArgumentParser
import Foundation
import SimReport

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Show two results, or two sweeps, side by side with their differences.",
        discussion: """
        Takes what `mksim run --json` prints or `--out` and `mksim sweep` write: a result file, \
        a list of results, or a results folder (result.json or point-NNNN.json). Two single \
        results are compared directly. Otherwise points are matched by variant and sweep \
        values; `--set` overrides (the A/B being made) are shown per point, not matched on. \
        Exit 0 when points matched, 1 when none did, 2 on bad input.

          mksim sweep s.yaml --out a && mksim sweep s.yaml --set machine.frequency=3GHz --out b
          mksim compare a b
        """
    )

    @Argument(help: "The first result (the reference): a file or a results folder.")
    var a: String
    @Argument(help: "The second result: a file or a results folder.")
    var b: String

    @Flag(help: "List unchanged metrics too.")
    var all = false

    func run() throws {
        var left = try ComparedResult.load(a), right = try ComparedResult.load(b)
        if left.count == 1 && right.count == 1 {
            // Two single results: compare them whatever their parameters (an A/B of one setting).
            let label = left[0].label == right[0].label ? left[0].label : "\(left[0].label) vs \(right[0].label)"
            left[0].label = label
            right[0].label = label
        }
        var matched = 0
        for x in left {
            guard let y = right.first(where: { $0.label == x.label }) else {
                print("[\(x.label)] only in \(a)")
                continue
            }
            matched += 1
            let old = Dictionary(x.metrics, uniquingKeysWith: { p, _ in p })
            let changes = CheckSupport.changes(old: old, new: y.metrics, tolerance: 0)
            print("[\(x.label)] \(changes.count) of \(y.metrics.count) metrics differ")
            if x.overrides != y.overrides {
                print("  --set  A: \(x.overrides.isEmpty ? "(none)" : x.overrides)")
                print("         B: \(y.overrides.isEmpty ? "(none)" : y.overrides)")
            }
            let shown: [MetricChange] = all ? y.metrics.map { MetricChange(metric: $0.0, old: old[$0.0], new: $0.1) } : changes
            if !shown.isEmpty {
                let width = shown.map(\.metric.count).max() ?? 0
                print("  " + "metric".padding(toLength: width, withPad: " ", startingAt: 0) + "  " + pad("A") + "  " + pad("B") + "  change")
                for c in shown {
                    let change = c.relative.isFinite ? String(format: "%+.2f%%", c.relative * 100) : "-"
                    print("  " + c.metric.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + pad(num(c.old)) + "  " + pad(num(c.new)) + "  " + change)
                }
            }
        }
        for y in right where !left.contains(where: { $0.label == y.label }) { print("[\(y.label)] only in \(b)") }
        print("\(matched) point\(matched == 1 ? "" : "s") matched, \(left.count - matched) only in A, \(right.filter { y in !left.contains { $0.label == y.label } }.count) only in B")
        if matched == 0 {
            printError("error: no point of \(a) matches one of \(b) (points match by variant and sweep values)")
            throw ExitCode(Exit.expectationFailed)
        }
    }

    func pad(_ s: String) -> String { String(repeating: " ", count: max(0, 14 - s.count)) + s }
    func num(_ x: Double?) -> String { x.map { JSONValue.format($0, decimals: 3) } ?? "-" }
}

/// One result as `compare` sees it: the point's label (variant and sweep values), its
/// `--set` overrides, and its metrics.
struct ComparedResult {
    var label: String
    var overrides: String
    var metrics: [(String, Double)]

    /// Every result in a file, or in a results folder (result.json, or its point files in order).
    static func load(_ path: String) throws -> [ComparedResult] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            printError("error: \(path): no such file or folder")
            throw ExitCode(Exit.badInput)
        }
        guard isDirectory.boolValue else { return try results(inFile: path) }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [])
            .filter(ResultsFolder.isResultFile).sorted()
        if names.isEmpty {
            printError("error: \(path): a folder without result.json or point-NNNN.json (not written by mksim run --out or mksim sweep)")
            throw ExitCode(Exit.badInput)
        }
        return try names.flatMap { try results(inFile: path + "/" + $0) }
    }

    static func results(inFile path: String) throws -> [ComparedResult] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            printError("error: cannot read \(path)")
            throw ExitCode(Exit.badInput)
        }
        let json: JSONValue
        do { json = try JSONText.parse(text, file: path) } catch {
            printError(error.description)
            throw ExitCode(Exit.badInput)
        }
        let items: [JSONValue]
        switch json {
        case .array(let list): items = list
        case .object: items = [json]
        default: items = []
        }
        let out = items.compactMap(Self.init(result:))
        if out.isEmpty {
            printError("error: \(path) holds no mksim result")
            throw ExitCode(Exit.badInput)
        }
        return out
    }

    init?(result r: JSONValue) {
        guard case .object = r, r.lookup(["mksim"]).first != nil else { return nil }
        // Results written before provenance existed: every param is matched on.
        var overridden = Set<String>()
        if case .some(.object(let o)) = r.lookup(["provenance", "overrides"]).first?.1 { overridden = Set(o.map(\.0)) }
        var parts: [String] = [], sets: [String] = []
        if case .some(.string(let v)) = r.lookup(["variant"]).first?.1 { parts.append("variant=\(v)") }
        if case .some(.object(let ps)) = r.lookup(["params"]).first?.1 {
            for (k, v) in ps {
                let text = "\(k)=\(v.render(pretty: false))"
                if overridden.contains(k) { sets.append(text) } else { parts.append(text) }
            }
        }
        label = parts.isEmpty ? "default" : parts.joined(separator: ",")
        overrides = sets.joined(separator: " ")
        metrics = Metrics.flatten(r)
    }
}
