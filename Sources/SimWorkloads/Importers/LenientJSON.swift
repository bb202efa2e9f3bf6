/// JSON as rt-app's parser (json-c) accepts it: `/* */` and `//` comments, trailing
/// commas, and repeated keys, whose order matters (an rt-app phase lists events in the
/// order they run). Objects keep their members in order, duplicates included.
indirect enum LenientJSON {
    case object([(key: String, value: LenientJSON, line: Int)])
    case array([LenientJSON])
    case string(String)
    case number(Double)
    case bool(Bool)
    case null

    struct ParseError: Error { var line: Int; var message: String }

    static func parse(_ text: String) throws(ParseError) -> LenientJSON {
        var p = Parser(bytes: Array(text.utf8))
        let v = try p.value()
        try p.skip()
        guard p.i >= p.bytes.count else { throw ParseError(line: p.line, message: "expected the end of the document") }
        return v
    }

    var number: Double? { if case .number(let n) = self { n } else { nil } }
    var string: String? { if case .string(let s) = self { s } else { nil } }
    var members: [(key: String, value: LenientJSON, line: Int)]? { if case .object(let m) = self { m } else { nil } }
    subscript(key: String) -> LenientJSON? { members?.last { $0.key == key }?.value }

    private struct Parser {
        let bytes: [UInt8]
        var i = 0
        var line = 1

        mutating func skip() throws(ParseError) {
            while i < bytes.count {
                let b = bytes[i]
                if b == 0x0A { line += 1; i += 1 } else if b == 0x20 || b == 0x09 || b == 0x0D { i += 1 } else if b == 0x2F, i + 1 < bytes.count {
                    if bytes[i + 1] == 0x2A {  // /* ... */
                        i += 2
                        while i + 1 < bytes.count && !(bytes[i] == 0x2A && bytes[i + 1] == 0x2F) {
                            if bytes[i] == 0x0A { line += 1 }
                            i += 1
                        }
                        guard i + 1 < bytes.count else { throw ParseError(line: line, message: "unterminated /* comment") }
                        i += 2
                    } else if bytes[i + 1] == 0x2F {  // // ...
                        while i < bytes.count && bytes[i] != 0x0A { i += 1 }
                    } else {
                        return
                    }
                } else {
                    return
                }
            }
        }

        mutating func value() throws(ParseError) -> LenientJSON {
            try skip()
            guard i < bytes.count else { throw ParseError(line: line, message: "expected a value, found the end of the file") }
            switch bytes[i] {
            case UInt8(ascii: "{"):
                i += 1
                var members: [(key: String, value: LenientJSON, line: Int)] = []
                while true {
                    try skip()
                    guard i < bytes.count else { throw ParseError(line: line, message: "expected '}'") }
                    if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
                    let keyLine = line
                    guard bytes[i] == UInt8(ascii: "\"") else { throw ParseError(line: line, message: "expected a quoted key or '}'") }
                    let key = try string()
                    try skip()
                    if i < bytes.count && (bytes[i] == UInt8(ascii: ",") || bytes[i] == UInt8(ascii: "}")) {
                        // A key without a value ("suspend",): rt-app's workgen fills in the thread's name.
                        members.append((key, .string(""), keyLine))
                        if bytes[i] == UInt8(ascii: ",") { i += 1 }
                        continue
                    }
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw ParseError(line: line, message: "expected ':' after key \"\(key)\"") }
                    i += 1
                    members.append((key, try value(), keyLine))
                    try skip()
                    if i < bytes.count && bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    // json-c also takes members separated by whitespace only.
                }
            case UInt8(ascii: "["):
                i += 1
                var items: [LenientJSON] = []
                while true {
                    try skip()
                    guard i < bytes.count else { throw ParseError(line: line, message: "expected ']'") }
                    if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                    items.append(try value())
                    try skip()
                    if i < bytes.count && bytes[i] == UInt8(ascii: ",") { i += 1 }
                }
            case UInt8(ascii: "\""):
                return .string(try string())
            default:
                let start = i
                while i < bytes.count, !" \t\r\n,}]/".utf8.contains(bytes[i]) { i += 1 }
                let word = String(decoding: bytes[start..<i], as: UTF8.self)
                switch word {
                case "true": return .bool(true)
                case "false": return .bool(false)
                case "null": return .null
                default:
                    guard let n = Double(word) else { throw ParseError(line: line, message: "expected a value (object, array, string, number, true, false, null); got '\(word)'") }
                    return .number(n)
                }
            }
        }

        mutating func string() throws(ParseError) -> String {
            i += 1
            var out: [UInt8] = []
            while i < bytes.count && bytes[i] != UInt8(ascii: "\"") {
                if bytes[i] == UInt8(ascii: "\\") && i + 1 < bytes.count {
                    i += 1
                    switch bytes[i] {
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "t"): out.append(0x09)
                    default: out.append(bytes[i])
                    }
                } else {
                    if bytes[i] == 0x0A { line += 1 }
                    out.append(bytes[i])
                }
                i += 1
            }
            guard i < bytes.count else { throw ParseError(line: line, message: "unterminated string") }
            i += 1
            return String(decoding: out, as: UTF8.self)
        }
    }
}
