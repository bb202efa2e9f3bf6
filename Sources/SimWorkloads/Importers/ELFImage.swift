import Foundation

/// The loadable bytes and data symbols of an ELF64 executable, for decoding the
/// instructions a trace names by address.
public struct ELFImage: Sendable {
    public enum Machine: Sendable { case x86_64, aarch64 }
    struct Segment { var address: UInt64; var offset: Int; var size: Int }

    public let path: String
    public let machine: Machine
    /// Whether the file is position-independent (ET_DYN): its addresses need a load bias.
    public let positionIndependent: Bool
    let bytes: [UInt8]
    let segments: [Segment]
    /// Data objects (STT_OBJECT with a size), by address.
    public let dataSymbols: [TraceSymbol]
    /// Functions (STT_FUNC with a size), by address.
    public let functions: [TraceSymbol]
    /// Added to every address of the file (the load address of a PIE).
    public var bias: UInt64 = 0

    public init(path: String) throws(TraceError) {
        self.path = path
        var readPath = path
        if let tool = TraceFile.decompressor(for: path) { readPath = try TraceFile.decompress(path, with: tool) }
        defer { if readPath != path { TemporaryFiles.remove(readPath) } }
        guard let contents = FileManager.default.contents(atPath: readPath) else { throw TraceError(file: path, "cannot read the executable") }
        let b = [UInt8](contents)
        bytes = b
        func fail(_ m: String) -> TraceError { TraceError(file: path, "not an ELF64 little-endian executable: \(m)") }
        guard b.count >= 64, b[0] == 0x7F, b[1] == 0x45, b[2] == 0x4C, b[3] == 0x46 else { throw fail("no ELF magic") }
        guard b[4] == 2, b[5] == 1 else { throw fail("class \(b[4]), data \(b[5])") }
        func u16(_ o: Int) -> Int { o + 2 <= b.count ? Int(b[o]) | Int(b[o + 1]) << 8 : 0 }
        func u32(_ o: Int) -> UInt64 { o + 4 <= b.count ? (0..<4).reduce(0) { $0 | UInt64(b[o + $1]) << (8 * UInt64($1)) } : 0 }
        func u64(_ o: Int) -> UInt64 { o + 8 <= b.count ? (0..<8).reduce(0) { $0 | UInt64(b[o + $1]) << (8 * UInt64($1)) } : 0 }
        switch u16(18) {
        case 62: machine = .x86_64
        case 183: machine = .aarch64
        case let m: throw TraceError(file: path, "ELF machine \(m) is not supported (x86-64 and AArch64 are)")
        }
        positionIndependent = u16(16) == 3
        let phoff = Int(u64(32)), phentsize = u16(54), phnum = u16(56)
        var segs: [Segment] = []
        for i in 0..<phnum {
            let p = phoff + i * phentsize
            guard p + 56 <= b.count else { throw fail("program header \(i) lies outside the file") }
            guard u32(p) == 1 else { continue }  // PT_LOAD
            let offset = Int(u64(p + 8)), address = u64(p + 16), size = Int(u64(p + 32))
            guard offset >= 0, size >= 0, offset + size <= b.count else { throw fail("segment \(i) lies outside the file") }
            segs.append(Segment(address: address, offset: offset, size: size))
        }
        segments = segs
        // Symbols from .symtab (static) or else .dynsym.
        let shoff = Int(u64(40)), shentsize = u16(58), shnum = u16(60)
        var data: [TraceSymbol] = [], funcs: [TraceSymbol] = []
        var tables: [(Int, Int, Int, Int, UInt64)] = []  // (offset, size, entsize, linked string table section, type)
        for i in 0..<shnum {
            let s = shoff + i * shentsize
            guard s + 64 <= b.count else { break }
            let type = u32(s + 4)
            if type == 2 || type == 11 { tables.append((Int(u64(s + 24)), Int(u64(s + 32)), Int(u64(s + 56)), Int(u32(s + 40)), type)) }
        }
        // The full table when the file has one (it lists local objects too), else the dynamic one.
        if let symtab = tables.first(where: { $0.4 == 2 }) ?? tables.first {
            let strSection = shoff + symtab.3 * shentsize
            let strOffset = Int(u64(strSection + 24)), strSize = Int(u64(strSection + 32))
            let entry = max(24, symtab.2)
            var k = symtab.0
            while k + 24 <= min(b.count, symtab.0 + symtab.1) {
                let nameOffset = Int(u32(k)), info = b[k + 4], value = u64(k + 8), size = u64(k + 16)
                k += entry
                guard size > 0, nameOffset < strSize, strOffset + nameOffset < b.count else { continue }
                var e = strOffset + nameOffset
                while e < b.count && b[e] != 0 { e += 1 }
                let name = String(decoding: b[(strOffset + nameOffset)..<e], as: UTF8.self)
                switch info & 0xF {
                case 1: data.append(TraceSymbol(address: value, size: size, name: name))
                case 2: funcs.append(TraceSymbol(address: value, size: size, name: name))
                default: break
                }
            }
        }
        dataSymbols = data.sorted { ($0.address, $0.name) < ($1.address, $1.name) }
        functions = funcs.sorted { ($0.address, $0.name) < ($1.address, $1.name) }
    }

    /// The file's bytes at run-time address `address` (up to `count`), or nil outside its segments.
    public func bytes(at address: UInt64, count: Int) -> ArraySlice<UInt8>? {
        let a = address &- bias
        for s in segments where a >= s.address && a < s.address + UInt64(s.size) {
            let start = s.offset + Int(a - s.address)
            return bytes[start..<min(start + count, s.offset + s.size)]
        }
        return nil
    }

    /// The function containing run-time address `address`.
    public func function(containing address: UInt64) -> TraceSymbol? {
        let a = address &- bias
        var lo = 0, hi = functions.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if functions[mid].address <= a { lo = mid + 1 } else { hi = mid }
        }
        guard lo > 0 else { return nil }
        let f = functions[lo - 1]
        return a < f.address + f.size ? f : nil
    }
}
