import CZlib
import Foundation

/// PNG encoding of a canvas: 8-bit RGB, no filter, deflated by zlib.
public enum PNGFile {
    public static func encode(_ canvas: Canvas) -> [UInt8] {
        let rgb = canvas.rgbBytes(), stride = canvas.width * 3
        var raw: [UInt8] = []
        raw.reserveCapacity((stride + 1) * canvas.height)
        for y in 0..<canvas.height {
            raw.append(0)  // filter: none
            raw += rgb[(y * stride)..<((y + 1) * stride)]
        }
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var header: [UInt8] = []
        header += be32(UInt32(canvas.width)) + be32(UInt32(canvas.height))
        header += [8, 2, 0, 0, 0]  // depth 8, colour type RGB, deflate, no filter method, no interlace
        chunk("IHDR", header, into: &out)
        chunk("IDAT", deflate(raw), into: &out)
        chunk("IEND", [], into: &out)
        return out
    }

    /// The zlib stream of `data` (the IDAT chunk's content).
    private static func deflate(_ data: [UInt8]) -> [UInt8] {
        var size = compressBound(uLong(data.count))
        var out = [UInt8](repeating: 0, count: Int(size))
        let status = compress2(&out, &size, data, uLong(data.count), 6)
        precondition(status == Z_OK, "zlib compress2 failed (\(status)) with a buffer of compressBound's size")
        return Array(out[..<Int(size)])
    }

    private static func chunk(_ type: String, _ data: [UInt8], into out: inout [UInt8]) {
        let body = Array(type.utf8) + data
        out += be32(UInt32(data.count)) + body + be32(crc32(body))
    }

    private static let crcTable: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    private static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = crcTable[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }

    private static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
}
