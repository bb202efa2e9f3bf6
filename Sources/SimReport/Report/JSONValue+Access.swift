extension JSONValue {
    /// The value at `key` of an object; nil for a missing key or a non-object.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let pairs) = self else { return nil }
        return pairs.first { $0.0 == key }?.1
    }

    /// The value at a dotted path of object keys (no wildcards).
    public func at(_ path: String) -> JSONValue? {
        var v: JSONValue? = self
        for k in path.split(separator: ".") { v = v?[String(k)] }
        return v
    }

    public var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    public var objectPairs: [(String, JSONValue)] { if case .object(let p) = self { p } else { [] } }
    public var arrayItems: [JSONValue] { if case .array(let a) = self { a } else { [] } }

    /// A scalar as a person reads it: strings unquoted, numbers as written.
    public var text: String { stringValue ?? render(pretty: false) }
}
