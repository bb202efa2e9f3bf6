/// A protocol-buffers message being encoded: the few wire types a Perfetto trace needs
/// (varints, fixed 64-bit, length-delimited strings and messages). Fields are appended in
/// the order written; readers accept any order.
struct ProtoMessage {
    private(set) var bytes: [UInt8] = []

    private mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    private mutating func key(_ field: Int, wire: UInt64) { varint(UInt64(field) << 3 | wire) }

    mutating func uint(_ field: Int, _ value: UInt64) {
        key(field, wire: 0)
        varint(value)
    }

    /// int32/int64 fields: negative values as ten-byte two's complement, as protobuf does.
    mutating func int(_ field: Int, _ value: Int64) { uint(field, UInt64(bitPattern: value)) }

    mutating func fixed64(_ field: Int, _ value: UInt64) {
        key(field, wire: 1)
        for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))) }
    }

    mutating func double(_ field: Int, _ value: Double) { fixed64(field, value.bitPattern) }

    mutating func string(_ field: Int, _ value: String) { data(field, Array(value.utf8)) }

    mutating func message(_ field: Int, _ value: ProtoMessage) { data(field, value.bytes) }

    private mutating func data(_ field: Int, _ value: [UInt8]) {
        key(field, wire: 2)
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }
}
