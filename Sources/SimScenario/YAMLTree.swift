import Yams

/// A position in a scenario file.
public struct SourceMark: Sendable, Equatable {
    public var line: Int
    public var column: Int
    public static let unknown = SourceMark(line: 0, column: 0)
    /// A value given on the command line (`--set`): diagnostics say so instead of a position.
    public static let commandLine = SourceMark(line: -1, column: -1)
}

/// The scenario as a tree: mappings keep key order and every node its position.
/// Overlays (variants), `--set` overrides and sweep points edit this tree before it is read.
public indirect enum YValue: Sendable {
    case scalar(String, plain: Bool)
    case mapping([(key: String, keyMark: SourceMark, value: YNode)])
    case sequence([YNode])
}

public struct YNode: Sendable {
    public var value: YValue
    public var mark: SourceMark

    public init(_ value: YValue, mark: SourceMark = .unknown) { self.value = value; self.mark = mark }

    /// Parses YAML text; syntax errors come back as diagnostics with their position.
    public static func parse(_ text: String, file: String) throws(ScenarioErrors) -> YNode {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let e as YamlError {
            throw ScenarioErrors([Self.diagnostic(e, file: file)])
        } catch {
            throw ScenarioErrors([Diagnostic(file: file, line: 1, column: 1, path: "", message: "cannot read YAML: \(error)")])
        }
        guard let node else { return YNode(.mapping([]), mark: SourceMark(line: 1, column: 1)) }
        var budget = ExpansionBudget()
        let tree = convert(node, budget: &budget)
        if let at = budget.exceededAt {
            throw ScenarioErrors([Diagnostic(file: file, line: at.line, column: at.column, path: "",
                message: "YAML: the document expands to more than \(ExpansionBudget.maxNodes) nodes or \(ExpansionBudget.maxBytes >> 20) MiB of text (the limits), here: aliases of aliases multiply (a 'billion laughs')")])
        }
        return tree
    }

    /// What converting a document may build: aliases expand, so a few lines can stand for
    /// billions of nodes. Scenarios are far below the limits.
    struct ExpansionBudget {
        static let maxNodes = 100_000
        static let maxBytes = 16 << 20
        var nodes = 0
        var bytes = 0
        var exceededAt: SourceMark?
        /// Counts a node; false once over a limit (conversion then stops descending).
        mutating func take(_ scalarBytes: Int, at mark: SourceMark) -> Bool {
            if exceededAt != nil { return false }
            nodes += 1
            bytes += scalarBytes
            if nodes > Self.maxNodes || bytes > Self.maxBytes { exceededAt = mark; return false }
            return true
        }
    }

    static func diagnostic(_ e: YamlError, file: String) -> Diagnostic {
        switch e {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let ctx = context.map { " (\($0.text))" } ?? ""
            return Diagnostic(file: file, line: mark.line, column: mark.column, path: "", message: "YAML syntax: \(problem)\(ctx)")
        default:
            return Diagnostic(file: file, line: 1, column: 1, path: "", message: "YAML: \(e)")
        }
    }

    static func convert(_ n: Node, budget: inout ExpansionBudget) -> YNode {
        func mark(_ m: Mark?) -> SourceMark { m.map { SourceMark(line: $0.line, column: $0.column) } ?? .unknown }
        switch n {
        case .scalar(let s):
            _ = budget.take(s.string.utf8.count, at: mark(s.mark))
            return YNode(.scalar(s.string, plain: s.style == .plain || s.style == .any), mark: mark(s.mark))
        case .mapping(let m):
            guard budget.take(0, at: mark(m.mark)) else { return YNode(.mapping([]), mark: mark(m.mark)) }
            var pairs: [(key: String, keyMark: SourceMark, value: YNode)] = []
            for (k, v) in m {
                guard budget.exceededAt == nil else { break }
                pairs.append((key: k.scalar?.string ?? "\(k)", keyMark: mark(k.mark), value: convert(v, budget: &budget)))
            }
            return YNode(.mapping(pairs), mark: mark(m.mark))
        case .sequence(let s):
            guard budget.take(0, at: mark(s.mark)) else { return YNode(.sequence([]), mark: mark(s.mark)) }
            var items: [YNode] = []
            for v in s {
                guard budget.exceededAt == nil else { break }
                items.append(convert(v, budget: &budget))
            }
            return YNode(.sequence(items), mark: mark(s.mark))
        case .alias(let a):
            return YNode(.scalar("", plain: true), mark: mark(a.mark))
        }
    }

    /// A scalar value given on the command line (`--set key=value`), typed as YAML would.
    public static func commandLine(_ text: String) -> YNode {
        guard let node = try? YNode.parse(text, file: "--set") else { return YNode(.scalar(text, plain: false), mark: .commandLine) }
        return node.marked(.commandLine)
    }

    /// The same tree with every position replaced by `mark`.
    func marked(_ mark: SourceMark) -> YNode {
        switch value {
        case .scalar: return YNode(value, mark: mark)
        case .sequence(let items): return YNode(.sequence(items.map { $0.marked(mark) }), mark: mark)
        case .mapping(let pairs): return YNode(.mapping(pairs.map { (key: $0.key, keyMark: mark, value: $0.value.marked(mark)) }), mark: mark)
        }
    }

    public var scalar: String? { if case .scalar(let s, _) = value { return s } else { return nil } }
    public var isNull: Bool {
        if case .scalar(let s, let plain) = value { return plain && (s.isEmpty || s == "~" || s == "null") }
        return false
    }

    public subscript(key: String) -> YNode? {
        if case .mapping(let pairs) = value { return pairs.first { $0.key == key }?.value }
        return nil
    }

    /// This mapping with `overlay` merged in: mappings merge key by key, anything else is replaced.
    public func merging(_ overlay: YNode) -> YNode {
        guard case .mapping(var pairs) = value, case .mapping(let extra) = overlay.value else { return overlay }
        for (k, km, v) in extra {
            if let i = pairs.firstIndex(where: { $0.key == k }) {
                pairs[i].value = pairs[i].value.merging(v)
            } else {
                pairs.append((key: k, keyMark: km, value: v))
            }
        }
        return YNode(.mapping(pairs), mark: mark)
    }

    /// Sets the value at a dotted path. In a sequence, a component selects the item
    /// whose `name` equals it, or an index. Returns nil when the path does not exist.
    public func setting(_ path: ArraySlice<String>, to newValue: YNode) -> YNode? {
        guard let first = path.first else { return newValue }
        let rest = path.dropFirst()
        switch value {
        case .mapping(var pairs):
            if let i = pairs.firstIndex(where: { $0.key == first }) {
                guard let child = pairs[i].value.setting(rest, to: newValue) else { return nil }
                pairs[i].value = child
            } else {
                // A new key: build the missing mappings.
                var built = newValue
                for k in rest.reversed() { built = YNode(.mapping([(key: k, keyMark: .unknown, value: built)])) }
                pairs.append((key: first, keyMark: .unknown, value: built))
            }
            return YNode(.mapping(pairs), mark: mark)
        case .sequence(var items):
            let index = items.firstIndex { $0["name"]?.scalar == first } ?? Int(first).flatMap { $0 >= 0 && $0 < items.count ? $0 : nil }
            guard let i = index, let child = items[i].setting(rest, to: newValue) else { return nil }
            items[i] = child
            return YNode(.sequence(items), mark: mark)
        case .scalar:
            return nil
        }
    }

    /// YAML text of this node (flow style for collections inside values).
    public func yamlText(indent: Int = 0) -> String {
        let pad = String(repeating: " ", count: max(0, indent))
        switch value {
        case .scalar(let s, let plain):
            return plain ? s : "\"\(s.replacingOccurrences(of: "\"", with: "\\\""))\""
        case .sequence(let items):
            return "[" + items.map { $0.yamlText(indent: -1) }.joined(separator: ", ") + "]"
        case .mapping(let pairs):
            if indent < 0 { return "{" + pairs.map { "\($0.key): \($0.value.yamlText(indent: -1))" }.joined(separator: ", ") + "}" }
            return pairs.map { p in
                if case .mapping(let inner) = p.value.value, !inner.isEmpty {
                    return "\(pad)\(p.key):\n" + p.value.yamlText(indent: indent + 2)
                }
                return "\(pad)\(p.key): \(p.value.yamlText(indent: -1))"
            }.joined(separator: "\n")
        }
    }
}
