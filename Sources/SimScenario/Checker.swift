import SimMachine

/// Reads typed values out of the tree and collects every problem found, with its
/// position and key path, instead of stopping at the first.
final class Checker {
    let file: String
    private(set) var diagnostics: [Diagnostic] = []

    init(file: String) { self.file = file }

    /// Takes over another checker's problems (a file read on this one's behalf).
    func absorb(_ other: Checker) {
        for d in other.diagnostics where !diagnostics.contains(d) { diagnostics.append(d) }
    }

    func error(_ mark: SourceMark, _ path: String, _ message: String) {
        // Unknown positions point at the file's start; a `--set` value says it came from there.
        let (line, column) = mark == .commandLine ? (mark.line, mark.column) : (max(1, mark.line), max(1, mark.column))
        let d = Diagnostic(file: file, line: line, column: column, path: path, message: message)
        if !diagnostics.contains(d) { diagnostics.append(d) }
    }

    static func describe(_ n: YNode) -> String {
        switch n.value {
        case .scalar(let s, _): "'\(s)'"
        case .mapping: "a mapping"
        case .sequence: "a list"
        }
    }

    /// A mapping with the keys of one of the format's tables (ScenarioKeys).
    func mapping(_ node: YNode, _ path: String, _ table: KeyTable) -> [String: YNode]? {
        mapping(node, path, known: table.known, required: table.required)
    }

    /// A mapping with only `known` keys (unknown ones reported with a suggestion).
    func mapping(_ node: YNode, _ path: String, known: [String], required: [String] = []) -> [String: YNode]? {
        guard case .mapping(let pairs) = node.value else {
            error(node.mark, path, "expected a mapping with keys \(known.joined(separator: ", ")); got \(Self.describe(node))")
            return nil
        }
        var out: [String: YNode] = [:]
        for p in pairs {
            let here = path.isEmpty ? p.key : "\(path).\(p.key)"
            if !known.contains(p.key) {
                let hint = nearest(p.key, in: known).map { "; did you mean '\($0)'?" } ?? "; known keys: \(known.joined(separator: ", "))"
                error(p.keyMark == .unknown ? node.mark : p.keyMark, here, "unknown key '\(p.key)'\(hint)")
            } else if out[p.key] != nil {
                error(p.keyMark, here, "key '\(p.key)' appears twice")
            } else {
                out[p.key] = p.value
            }
        }
        for r in required where out[r] == nil {
            error(node.mark, path.isEmpty ? r : "\(path).\(r)", "missing required key '\(r)'")
        }
        return out
    }

    func scalar(_ node: YNode, _ path: String, expected: String) -> String? {
        guard let s = node.scalar, !node.isNull else {
            error(node.mark, path, "expected \(expected); got \(node.isNull ? "nothing" : Self.describe(node))")
            return nil
        }
        return s
    }

    func string(_ node: YNode, _ path: String) -> String? { scalar(node, path, expected: "a string") }

    func int(_ node: YNode, _ path: String, min lo: Int = 0, max hi: Int = Int.max) -> Int? {
        guard let s = scalar(node, path, expected: "an integer") else { return nil }
        guard let v = Int(s.replacingOccurrences(of: "_", with: "")) else {
            error(node.mark, path, "expected an integer, like 8; got '\(s)'")
            return nil
        }
        guard v >= lo && v <= hi else {
            error(node.mark, path, hi == Int.max ? "must be at least \(lo); got \(v)" : "must be between \(lo) and \(hi); got \(v)")
            return nil
        }
        return v
    }

    func uint64(_ node: YNode, _ path: String) -> UInt64? {
        guard let s = scalar(node, path, expected: "a non-negative integer") else { return nil }
        guard let v = UInt64(s.replacingOccurrences(of: "_", with: "")) else {
            error(node.mark, path, "expected a non-negative integer, like 7; got '\(s)'")
            return nil
        }
        return v
    }

    func bool(_ node: YNode, _ path: String) -> Bool? {
        guard let s = scalar(node, path, expected: "true or false") else { return nil }
        switch s {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: error(node.mark, path, "expected true or false; got '\(s)'"); return nil
        }
    }

    func choice(_ node: YNode, _ path: String, _ options: [String]) -> String? {
        guard let s = scalar(node, path, expected: "one of \(options.joined(separator: ", "))") else { return nil }
        guard options.contains(s) else {
            let hint = nearest(s, in: options).map { "; did you mean '\($0)'?" } ?? ""
            error(node.mark, path, "expected one of \(options.joined(separator: ", ")); got '\(s)'\(hint)")
            return nil
        }
        return s
    }

    /// A quantity whose unit is required: a bare number gets a message that shows the form.
    private func quantity<T>(_ node: YNode, _ path: String, kind: String, example: String, _ parse: (String) -> T?) -> T? {
        guard let s = scalar(node, path, expected: "\(kind) with a unit, like \(example)") else { return nil }
        if let v = parse(s) { return v }
        if Double(s.replacingOccurrences(of: "_", with: "")) != nil {
            error(node.mark, path, "'\(s)' needs a unit: write \(kind) like \(example)")
        } else if let (v, unit) = Units.split(s), parse("1" + unit) != nil {
            // A known unit: the number is what is wrong.
            let noun = kind.hasPrefix("an ") ? String(kind.dropFirst(3)) : kind.hasPrefix("a ") ? String(kind.dropFirst(2)) : kind
            error(node.mark, path, v < 0 ? "\(kind) cannot be negative; got '\(s)'"
                : "'\(s)' is beyond the largest \(noun) mksim represents\(noun == "duration" ? " (2^64 ps, about 213 days)" : "")")
        } else {
            error(node.mark, path, "expected \(kind) like \(example); got '\(s)'")
        }
        return nil
    }

    func duration(_ node: YNode, _ path: String) -> Picoseconds? {
        quantity(node, path, kind: "a duration", example: "40ns, 1.5us or 4ms", Units.duration)
    }
    func frequency(_ node: YNode, _ path: String) -> Frequency? {
        quantity(node, path, kind: "a frequency", example: "2.8GHz", Units.frequency)
    }
    func size(_ node: YNode, _ path: String) -> UInt64? {
        quantity(node, path, kind: "a size", example: "32KiB or 8GiB", Units.size)
    }
    func bandwidth(_ node: YNode, _ path: String) -> UInt64? {
        quantity(node, path, kind: "a bandwidth", example: "122GB/s", Units.bandwidth)
    }
    func work(_ node: YNode, _ path: String) -> Work? {
        quantity(node, path, kind: "an amount of work", example: "200 cycles or 100ns", Work.parse)
    }
    func fraction(_ node: YNode, _ path: String) -> Double? {
        guard let s = scalar(node, path, expected: "a fraction like 0.25 or 25%") else { return nil }
        guard let v = Units.fraction(s) else {
            error(node.mark, path, "expected a fraction between 0 and 1, like 0.25 or 25%; got '\(s)'")
            return nil
        }
        return v
    }

    func list(_ node: YNode, _ path: String) -> [YNode]? {
        guard case .sequence(let items) = node.value else {
            error(node.mark, path, "expected a list; got \(Self.describe(node))")
            return nil
        }
        return items
    }
}
