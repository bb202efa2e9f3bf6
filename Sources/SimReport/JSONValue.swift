import Foundation

/// JSON with keys in a fixed order and numbers printed the same way every time.
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    /// Printed with at most `decimals` decimals, trailing zeros dropped.
    case number(Double, decimals: Int)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool { a.render() == b.render() }

    public static func num(_ x: Double, _ decimals: Int = 3) -> JSONValue { .number(x, decimals: decimals) }

    public func render(indent: Int = 0, pretty: Bool = true) -> String {
        var out = ""
        write(into: &out, indent: indent, pretty: pretty)
        return out
    }

    func write(into out: inout String, indent: Int, pretty: Bool) {
        let nl = pretty ? "\n" : ""
        let pad = pretty ? String(repeating: "  ", count: indent + 1) : ""
        let close = pretty ? String(repeating: "  ", count: indent) : ""
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .uint(let u): out += String(u)
        case .number(let x, let d): out += Self.format(x, decimals: d)
        case .string(let s): out += Self.quote(s)
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            let simple = items.allSatisfy { if case .object = $0 { return false }; if case .array = $0 { return false }; return true }
            if simple {
                out += "[" + items.map { $0.render(pretty: false) }.joined(separator: ", ") + "]"
                return
            }
            out += "[" + nl
            for (i, v) in items.enumerated() {
                out += pad
                v.write(into: &out, indent: indent + 1, pretty: pretty)
                out += (i + 1 < items.count ? "," : "") + nl
            }
            out += close + "]"
        case .object(let pairs):
            if pairs.isEmpty { out += "{}"; return }
            out += "{" + nl
            for (i, (k, v)) in pairs.enumerated() {
                out += pad + Self.quote(k) + (pretty ? ": " : ":")
                v.write(into: &out, indent: indent + 1, pretty: pretty)
                out += (i + 1 < pairs.count ? "," : "") + nl
            }
            out += close + "}"
        }
    }

    public static func format(_ x: Double, decimals: Int) -> String {
        guard x.isFinite else { return "null" }
        if x == x.rounded() && abs(x) < 1e15 { return String(Int64(x)) }
        var s = String(format: "%.\(decimals)f", x)
        if s.contains(".") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        return s == "-0" ? "0" : s
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if ch.value < 0x20 { out += String(format: "\\u%04x", ch.value) } else { out.unicodeScalars.append(ch) }
            }
        }
        return out + "\""
    }

    /// Looks up a dotted path; `*` matches every key of an object. Returns (path, value) pairs.
    public func lookup(_ path: [Substring], prefix: String = "") -> [(String, JSONValue)] {
        guard let first = path.first else { return [(prefix, self)] }
        let rest = Array(path.dropFirst())
        guard case .object(let pairs) = self else { return [] }
        var out: [(String, JSONValue)] = []
        for (k, v) in pairs where first == "*" || k == first {
            out += v.lookup(rest, prefix: prefix.isEmpty ? k : "\(prefix).\(k)")
        }
        return out
    }

    public var doubleValue: Double? {
        switch self {
        case .int(let i): Double(i)
        case .uint(let u): Double(u)
        case .number(let x, let d): Double(Self.format(x, decimals: d)) ?? x  // the value as written
        case .bool(let b): b ? 1 : 0
        default: nil
        }
    }
}
