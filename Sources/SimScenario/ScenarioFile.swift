import Foundation
import SimKernelModel
import Crypto

/// One run of a scenario: the variant and sweep values that define it.
public struct RunPoint: Sendable {
    public var variant: String?
    /// Sweep (and `--set`) values of this point, in the sweep's key order.
    public var params: [(key: String, value: String)]
    public var scenario: ReadScenario
    /// Which of `params` came from `--set` (the rest are the sweep's values).
    public var overridden: Set<String> = []
    /// The file the point comes from and the SHA-256 of its text (provenance).
    public var file: String = ""
    public var fileSHA256: String = ""

    /// The point's sweep values (its `params` not set by `--set`).
    public var sweepValues: [(key: String, value: String)] { params.filter { !overridden.contains($0.key) } }
    /// Its `--set` (and `--seed`) values.
    public var overrideValues: [(key: String, value: String)] { params.filter { overridden.contains($0.key) } }
}

/// A scenario file: its tree, variants and sweep, before points are expanded.
public struct ScenarioFile: Sendable {
    public var path: String
    public var root: YNode
    public var variants: [(name: String, overlay: YNode)]
    public var sweep: [(key: String, values: [YNode], mark: SourceMark)]
    /// SHA-256 of the file's text, lowercase hex: which file exactly a result came from.
    public var sha256: String = ""

    /// SHA-256 of a text's UTF-8 bytes, lowercase hex.
    public static func sha256(of text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Reads and parses a file; an unreadable file or bad YAML is a diagnostic.
    public static func load(path: String) throws(ScenarioErrors) -> ScenarioFile {
        func refuse(_ why: String) -> ScenarioErrors { ScenarioErrors([Diagnostic(file: path, line: 1, column: 1, path: "", message: why)]) }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw refuse("no such file") }
        if isDirectory.boolValue { throw refuse("is a folder, not a scenario file (scenarios are .yaml files)") }
        // Read through a handle, so that /dev/stdin and pipes work as files do.
        guard let handle = FileHandle(forReadingAtPath: path) else { throw refuse("cannot read the file: \(String(cString: strerror(errno)))") }
        defer { try? handle.close() }
        let data: Data
        do { data = try handle.readToEnd() ?? Data() } catch { throw refuse("cannot read the file: \(error.localizedDescription)") }
        guard let text = String(data: data, encoding: .utf8) else { throw refuse("is not UTF-8 text (a scenario is a YAML file)") }
        return try parse(text, path: path)
    }

    public static func parse(_ text: String, path: String) throws(ScenarioErrors) -> ScenarioFile {
        let root = try YNode.parse(text, file: path)
        let check = Checker(file: path)
        var variants: [(String, YNode)] = []
        if let v = root["variants"], let m = check.mapping(v, "variants", known: mappingKeys(v)) {
            for (k, _, _) in pairs(v) {
                let overlay = m[k]!
                if case .mapping = overlay.value {} else if !overlay.isNull {
                    check.error(overlay.mark, "variants.\(k)", "expected a mapping that overlays the file (or {} for the file as written)")
                }
                variants.append((k, overlay.isNull ? YNode(.mapping([]), mark: overlay.mark) : overlay))
            }
        }
        var sweep: [(String, [YNode], SourceMark)] = []
        if let s = root["sweep"] {
            if case .mapping = s.value {
                for (k, km, v) in pairs(s) {
                    guard let values = check.list(v, "sweep.\(k)") else { continue }
                    if values.isEmpty { check.error(v.mark, "sweep.\(k)", "a sweep axis needs at least one value") }
                    if k == "variant" {
                        for item in values {
                            if let name = item.scalar, !variants.contains(where: { $0.0 == name }) {
                                let hint = nearest(name, in: variants.map(\.0)).map { "; did you mean '\($0)'?" } ?? ""
                                check.error(item.mark, "sweep.variant", "no variant named '\(name)'\(hint)")
                            }
                        }
                    } else if !([root] + variants.map { Self.apply($0.1, to: root).tree }).contains(where: {
                        $0.setting(k.split(separator: ".").map(String.init)[...], to: values.first ?? YNode(.scalar("", plain: true))) != nil
                    }) {
                        check.error(km, "sweep.\(k)", "no such key path in the scenario (a list item is selected by its name, like workloads.unlink.threads)")
                    }
                    sweep.append((k, values, km))
                }
            } else {
                check.error(s.mark, "sweep", "expected a mapping of key paths to lists of values")
            }
        }
        if !check.diagnostics.isEmpty { throw ScenarioErrors(check.diagnostics) }
        var file = ScenarioFile(path: path, root: root, variants: variants, sweep: sweep)
        file.sha256 = Self.sha256(of: text)
        return file
    }

    private static func pairs(_ n: YNode) -> [(key: String, keyMark: SourceMark, value: YNode)] {
        if case .mapping(let p) = n.value { return p } else { return [] }
    }
    private static func mappingKeys(_ n: YNode) -> [String] { pairs(n).map(\.key) }

    /// The run points: the cartesian product of the sweep axes (in file order, last axis
    /// fastest). `overrides` (`--set`) apply to every point; an override of a sweep axis
    /// fixes that axis. `variant` picks one variant when the sweep has no variant axis.
    public func points(overrides: [(key: String, value: YNode)] = [], variant: String? = nil) throws(ScenarioErrors) -> [RunPoint] {
        let check = Checker(file: path)
        if let variant, !variants.contains(where: { $0.name == variant }) {
            let hint = nearest(variant, in: variants.map(\.name)).map { "; did you mean '\($0)'?" } ?? ""
            throw ScenarioErrors([Diagnostic(file: path, line: 1, column: 1, path: "variants",
                                             message: "no variant named '\(variant)'\(hint); the file has \(variants.map(\.name).joined(separator: ", "))")])
        }
        var axes = sweep.filter { axis in !overrides.contains { $0.key == axis.key } }
        if variant != nil { axes.removeAll { $0.key == "variant" } }
        var combos: [[(String, YNode)]] = [[]]
        for axis in axes {
            combos = combos.flatMap { prefix in axis.values.map { prefix + [(axis.key, $0)] } }
        }
        var out: [RunPoint] = []
        for combo in combos {
            var chosenVariant = variant
            var tree = root
            let settings = combo + overrides.map { ($0.key, $0.value) }
            for (k, v) in settings where k == "variant" { chosenVariant = v.scalar }
            if let name = chosenVariant {
                guard let overlay = variants.first(where: { $0.name == name })?.overlay else {
                    check.error(.unknown, "variant", "no variant named '\(name)'")
                    continue
                }
                let (applied, unknown) = Self.apply(overlay, to: tree)
                tree = applied
                for pair in unknown {
                    check.error(pair.keyMark, "variants.\(name).\(pair.key)",
                                "no such key path in the scenario (a list item is selected by its name, like workloads.unlink.threads)")
                }
            }
            for (k, v) in settings where k != "variant" {
                guard let edited = tree.setting(k.split(separator: ".").map(String.init)[...], to: v) else {
                    check.error(v.mark, k, "no such key path in the scenario (a list item is selected by its name, like workloads.unlink.threads)")
                    continue
                }
                tree = edited
            }
            let reader = ScenarioReader(check: check)
            if let scenario = reader.read(tree) {
                for e in scenario.expectations {
                    for (key, name) in [("variant", e.variant), ("relative_to", e.relativeTo)] {
                        guard let name, !variants.contains(where: { $0.name == name }) else { continue }
                        let hint = nearest(name, in: variants.map(\.name)).map { "; did you mean '\($0)'?" } ?? ""
                        check.error(SourceMark(line: e.line, column: 1), "expect.\(key)",
                                    "no variant named '\(name)'\(hint)" + (variants.isEmpty ? " (the file has no variants)" : ""))
                    }
                }
                let params = settings.filter { $0.0 != "variant" }.map { (key: $0.0, value: $0.1.scalar ?? $0.1.yamlText(indent: -1)) }
                out.append(RunPoint(variant: chosenVariant, params: params, scenario: scenario,
                                    overridden: Set(overrides.map(\.key)), file: path, fileSHA256: sha256))
            }
        }
        if !check.diagnostics.isEmpty { throw ScenarioErrors(check.diagnostics) }
        return out
    }

    /// `tree` with a variant's overlay applied: top-level keys merge; dotted keys set one
    /// value, as `--set` does. Also returns the dotted keys whose path does not exist.
    static func apply(_ overlay: YNode, to tree: YNode) -> (tree: YNode, unknown: [(key: String, keyMark: SourceMark, value: YNode)]) {
        guard case .mapping(let pairs) = overlay.value else { return (tree, []) }
        var out = tree
        var unknown: [(key: String, keyMark: SourceMark, value: YNode)] = []
        for pair in pairs {
            if pair.key.contains(".") {
                guard let edited = out.setting(pair.key.split(separator: ".").map(String.init)[...], to: pair.value) else {
                    unknown.append(pair)
                    continue
                }
                out = edited
            } else {
                out = out.merging(YNode(.mapping([pair]), mark: overlay.mark))
            }
        }
        return (out, unknown)
    }

    /// Every problem of the file: the file as written and each variant, read and then built
    /// (each point's simulation is made, not run), so that what `run` would reject is found.
    /// Every problem of the file, its variants and sweep points, built as `run` builds them
    /// (with `memoryLimit`, the largest model allowed).
    public func validate(memoryLimit: UInt64 = ModelFootprint.defaultLimit) -> [Diagnostic] {
        var all: [Diagnostic] = []
        func add(_ ds: [Diagnostic]) { for d in ds where !all.contains(d) { all.append(d) } }
        func check(variant: String?) {
            do {
                add(try points(variant: variant).compactMap { p in
                    var p = p
                    p.scenario.config.memoryLimit = memoryLimit
                    return p.buildProblem()
                })
            } catch { add(error.diagnostics) }
        }
        check(variant: nil)
        for v in variants { check(variant: v.name) }
        return all.sorted { ($0.line, $0.column) < ($1.line, $1.column) }
    }
}
