/// Numbers parsed from text bytes without making strings (trace readers' hot path).
enum ByteNumber {
    /// Hexadecimal digits (no prefix), up to 16.
    @inline(__always)
    static func hex(_ s: ArraySlice<UInt8>) -> UInt64? {
        guard !s.isEmpty, s.count <= 16 else { return nil }
        var v: UInt64 = 0
        for b in s {
            let d: UInt8
            switch b {
            case 0x30...0x39: d = b - 0x30
            case 0x41...0x46: d = b - 0x41 + 10
            case 0x61...0x66: d = b - 0x61 + 10
            default: return nil
            }
            v = v << 4 | UInt64(d)
        }
        return v
    }

    /// Decimal digits, up to `maxDigits` (19 fit in 64 bits).
    @inline(__always)
    static func decimal(_ s: ArraySlice<UInt8>, maxDigits: Int = 19) -> UInt64? {
        guard !s.isEmpty, s.count <= maxDigits else { return nil }
        var v: UInt64 = 0
        for b in s {
            guard b >= 0x30 && b <= 0x39 else { return nil }
            v = v * 10 + UInt64(b - 0x30)
        }
        return v
    }

    /// `0x`-prefixed hexadecimal, or decimal.
    @inline(__always)
    static func hexOrDecimal(_ s: ArraySlice<UInt8>) -> UInt64? {
        if s.count > 2 && s[s.startIndex] == 0x30 && (s[s.startIndex + 1] == 0x78 || s[s.startIndex + 1] == 0x58) {
            return hex(s.dropFirst(2))
        }
        return decimal(s)
    }
}
