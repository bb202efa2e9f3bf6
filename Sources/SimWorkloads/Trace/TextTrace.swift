#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import SimCPU
import SimMachine

/// The text form of the native trace format (docs/trace-format.md): a header of
/// declarations, then `@tid` sections of records, one per line.
///
///     mksim-trace 1
///     thread 1 main
///     thread 2 worker spawned
///     @1
///     insn alu 12
///     load 0x601040 4
///     spawn 2
public enum TextTrace {
    /// Reads lines with getline, numbering them; comments and surrounding blanks removed.
    final class LineReader {
        private let file: UnsafeMutablePointer<FILE>
        private var buffer: UnsafeMutablePointer<CChar>?
        private var capacity = 0
        let shownAs: String
        private(set) var lineNumber = 0
        private var current: [UInt8] = []

        /// Keep `#` and what follows (other tools' formats, where it is not a comment).
        let keepComments: Bool

        /// A decompressed copy it reads instead of the input (removed when done).
        private let temporary: String?

        init(path: String, shownAs: String, keepComments: Bool = false) throws(TraceError) {
            self.keepComments = keepComments
            guard let f = fopen(path, "r") else { throw TraceError(file: shownAs, "cannot open: \(String(cString: strerror(errno)))") }
            file = f
            self.shownAs = shownAs
            temporary = nil
        }

        /// Another tool's text output at `path`, read through `gzip`/`xz`/`zstd` when compressed.
        init(input path: String) throws(TraceError) {
            var read = path
            if let tool = TraceFile.decompressor(for: path) { read = try TraceFile.decompress(path, with: tool) }
            guard let f = fopen(read, "r") else {
                if read != path { TemporaryFiles.remove(read) }
                throw TraceError(file: path, "cannot open: \(String(cString: strerror(errno)))")
            }
            file = f
            shownAs = path
            keepComments = true
            temporary = read != path ? read : nil
        }

        deinit {
            fclose(file)
            free(buffer)
            if let temporary { TemporaryFiles.remove(temporary) }
        }

        /// The next line's bytes without its comment and surrounding spaces (may be empty).
        func nextLine() throws(TraceError) -> ArraySlice<UInt8>? {
            let n = getline(&buffer, &capacity, file)
            guard n >= 0, let buffer else { return nil }
            lineNumber += 1
            var end = n
            let raw = UnsafeRawBufferPointer(start: buffer, count: n)
            if !keepComments, let hash = raw.firstIndex(of: UInt8(ascii: "#")) { end = hash }
            while end > 0 && isSpace(raw[end - 1]) { end -= 1 }
            var start = 0
            while start < end && isSpace(raw[start]) { start += 1 }
            // One buffer for every line (the previous line's slice is dead by now).
            current.removeAll(keepingCapacity: true)
            current.append(contentsOf: raw[start..<end])
            return current[...]
        }
    }

    @inline(__always) static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

    static func tokens(_ line: ArraySlice<UInt8>) -> [String] {
        line.split(whereSeparator: isSpace).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Reads the declarations before the first section; returns the header and the line
    /// number of that section.
    static func readHeader(path: String, shownAs: String) throws(TraceError) -> (TraceHeader, Int) {
        let reader = try LineReader(path: path, shownAs: shownAs)
        var h = TraceHeader()
        var sawMagic = false
        func fail(_ message: String) -> TraceError { TraceError(file: shownAs, line: reader.lineNumber, message) }
        while let line = try reader.nextLine() {
            if line.isEmpty { continue }
            if !sawMagic {
                let t = tokens(line)
                guard t.first == "mksim-trace" else {
                    throw fail("expected 'mksim-trace 1' (a native text trace) or the binary form's header; for another tool's trace give its format (lackey, ftrace, perf-sched, rt-app, execlog)")
                }
                guard t.count == 2, t[1] == "1" else { throw fail("expected 'mksim-trace 1': this mksim reads version 1 of the text form") }
                sawMagic = true
                continue
            }
            if line.first == UInt8(ascii: "@") {
                let tid = try sectionThread(line, file: shownAs, line: reader.lineNumber)
                guard h.threadIndex(tid: tid) != nil else { throw fail("section for thread \(tid), which no 'thread' line declares") }
                return (h, reader.lineNumber)
            }
            let t = tokens(line)
            switch t[0] {
            case "source":
                h.source = String(decoding: line.dropFirst(6), as: UTF8.self).trimmingCharacters(in: " \t")
            case "thread":
                guard t.count >= 2, let tid = number(t[1]) else { throw fail("expected 'thread <tid> [name] [spawned]'") }
                guard h.threadIndex(tid: tid) == nil else { throw fail("thread \(tid) is declared twice") }
                let spawned = t.count >= 3 && t.last == "spawned"
                let name = t.count >= 3 && !(t.count == 3 && spawned) ? t[2] : "t\(tid)"
                guard t.count <= 4, t.count < 4 || spawned else { throw fail("expected 'thread <tid> [name] [spawned]'") }
                h.threads.append(TraceThread(tid: tid, name: name, spawned: spawned))
            case "symbol":
                guard t.count == 4, let a = number(t[1]), let z = number(t[2]) else { throw fail("expected 'symbol <address> <size> <name>'") }
                h.symbols.append(TraceSymbol(address: a, size: z, name: t[3]))
            default:
                throw fail("expected a declaration (source, thread, symbol) or a section '@<tid>' before records; got '\(t[0])'")
            }
        }
        guard sawMagic else { throw TraceError(file: shownAs, line: max(1, reader.lineNumber), "empty trace: expected 'mksim-trace 1'") }
        return (h, reader.lineNumber + 1)
    }

    static func sectionThread(_ line: ArraySlice<UInt8>, file: String, line n: Int) throws(TraceError) -> UInt64 {
        guard let tid = number(String(decoding: line.dropFirst(), as: UTF8.self)) else {
            throw TraceError(file: file, line: n, "expected '@<tid>' (a thread's section)")
        }
        return tid
    }

    /// The common records (instruction runs and accesses) parsed from the bytes without
    /// making strings; nil sends the line to the general parser (and its error messages).
    @inline(__always)
    static func fastRecord(_ line: ArraySlice<UInt8>) -> TraceRecord? {
        var fields: [Range<Int>] = []
        fields.reserveCapacity(3)
        var i = line.startIndex
        while i < line.endIndex && fields.count < 4 {
            while i < line.endIndex && isSpace(line[i]) { i += 1 }
            let start = i
            while i < line.endIndex && !isSpace(line[i]) { i += 1 }
            if i > start { fields.append(start..<i) }
        }
        guard fields.count == 3, i >= line.endIndex else { return nil }
        let keyword = line[fields[0]]
        func plain(_ r: Range<Int>) -> UInt64? { ByteNumber.hexOrDecimal(line[r]) }
        if keyword.elementsEqual("insn".utf8) {
            guard let c = classNames[String(decoding: line[fields[1]], as: UTF8.self)], let n = plain(fields[2]) else { return nil }
            return .instructions(c, count: n)
        }
        guard let a = plain(fields[1]), let z = plain(fields[2]), z <= UInt64(UInt32.max) else { return nil }
        let size = UInt32(z)
        if keyword.elementsEqual("load".utf8) { return .load(address: a, size: size) }
        if keyword.elementsEqual("store".utf8) { return .store(address: a, size: size) }
        if keyword.elementsEqual("atomic".utf8) { return .atomic(address: a, size: size) }
        if keyword.elementsEqual("modify".utf8) { return .modify(address: a, size: size) }
        return nil
    }

    /// A decimal or 0x-hexadecimal number, with an optional KiB/MiB/GiB suffix.
    static func number(_ s: String) -> UInt64? {
        var text = Substring(s)
        var scale: UInt64 = 1
        for (suffix, k) in [("KiB", UInt64(1) << 10), ("MiB", 1 << 20), ("GiB", 1 << 30)] where text.hasSuffix(suffix) {
            text = text.dropLast(3)
            scale = k
        }
        let value: UInt64?
        if text.hasPrefix("0x") || text.hasPrefix("0X") { value = UInt64(text.dropFirst(2), radix: 16) } else { value = UInt64(text) }
        guard let value else { return nil }
        let (r, overflow) = value.multipliedReportingOverflow(by: scale)
        return overflow ? nil : r
    }

    /// A duration: a number and a unit (ps, ns, us, ms, s).
    static func duration(_ s: String) -> Picoseconds? {
        let units: [(String, Double)] = [("ps", 1), ("ns", 1e3), ("us", 1e6), ("µs", 1e6), ("ms", 1e9), ("s", 1e12)]
        for (u, k) in units where s.hasSuffix(u) {
            guard let v = Double(s.dropLast(u.count)), v >= 0, v * k < 1.8e19 else { return nil }
            return Picoseconds(UInt64((v * k).rounded()))
        }
        return nil
    }

    static func format(_ d: Picoseconds) -> String {
        d.raw % 1000 == 0 ? "\(d.raw / 1000)ns" : "\(d.raw)ps"
    }

    static let classNames: [String: InstructionClass] = Dictionary(uniqueKeysWithValues: InstructionClass.allCases.map { ($0.name, $0) })

    /// One record line (nil for a blank line).
    static func parseRecord(_ line: ArraySlice<UInt8>, file: TraceFile, line n: Int) throws(TraceError) -> TraceRecord? {
        if line.isEmpty { return nil }
        if let fast = fastRecord(line) { return fast }
        let t = tokens(line)
        func fail(_ expected: String) -> TraceError { TraceError(file: file.path, line: n, "expected '\(expected)'") }
        func num(_ i: Int, _ form: String) throws(TraceError) -> UInt64 {
            guard i < t.count, let v = number(t[i]) else { throw fail(form) }
            return v
        }
        func u32(_ i: Int, _ form: String) throws(TraceError) -> UInt32 {
            let v = try num(i, form)
            guard v <= UInt64(UInt32.max) else { throw fail(form) }
            return UInt32(v)
        }
        func arity(_ k: Int, _ form: String) throws(TraceError) { guard t.count == k else { throw fail(form) } }
        func thread(_ form: String) throws(TraceError) -> UInt32 {
            let tid = try num(1, form)
            guard let i = file.header.threadIndex(tid: tid) else {
                throw TraceError(file: file.path, line: n, "thread \(tid) is not declared (add 'thread \(tid)' to the header)")
            }
            return UInt32(i)
        }
        func memory(_ make: (UInt64, UInt32) -> TraceRecord) throws(TraceError) -> TraceRecord {
            let form = "\(t[0]) <address> <size>"
            try arity(3, form)
            return make(try num(1, form), try u32(2, form))
        }
        switch t[0] {
        case "insn":
            let form = "insn <class> <count> (classes: \(InstructionClass.allCases.map(\.name).joined(separator: ", ")))"
            try arity(3, form)
            guard let c = classNames[t[1]] else { throw fail(form) }
            return .instructions(c, count: try num(2, form))
        case "fetch": try arity(2, "fetch <address>"); return .fetch(address: try num(1, "fetch <address>"))
        case "load": return try memory { .load(address: $0, size: $1) }
        case "store": return try memory { .store(address: $0, size: $1) }
        case "modify": return try memory { .modify(address: $0, size: $1) }
        case "atomic": return try memory { .atomic(address: $0, size: $1) }
        case "fence": try arity(1, "fence"); return .fence
        case "pause":
            if t.count == 1 { return .pause(1) }
            try arity(2, "pause [count]")
            return .pause(try u32(1, "pause [count]"))
        case "syscall":
            let form = "syscall <name> [up to 3 arguments]"
            guard t.count >= 2 && t.count <= 5 else { throw fail(form) }
            var args: [UInt64] = []
            for i in 2..<t.count { args.append(try num(i, form)) }
            return .syscall(name: file.intern(t[1]), args: SyscallArguments(args))
        case "lock": try arity(2, "lock <address>"); return .lock(address: try num(1, "lock <address>"))
        case "unlock": try arity(2, "unlock <address>"); return .unlock(address: try num(1, "unlock <address>"))
        case "barrier":
            try arity(3, "barrier <id> <parties>")
            return .barrier(id: try u32(1, "barrier <id> <parties>"), parties: try u32(2, "barrier <id> <parties>"))
        case "sleep", "busy":
            let form = "\(t[0]) <duration> (like 10us)"
            try arity(2, form)
            guard let d = duration(t[1]) else { throw fail(form) }
            return t[0] == "sleep" ? .sleep(d) : .busy(d)
        case "timer":
            let form = "timer <name> <period> [absolute]"
            guard t.count == 3 || (t.count == 4 && t[3] == "absolute"), let d = duration(t[2]), d > .zero else { throw fail(form) }
            return .timer(name: file.intern(t[1]), period: d, absolute: t.count == 4)
        case "futex_wait": try arity(2, "futex_wait <address>"); return .futexWait(address: try num(1, "futex_wait <address>"))
        case "futex_wake":
            try arity(3, "futex_wake <address> <count>")
            return .futexWake(address: try num(1, "futex_wake <address> <count>"), count: try u32(2, "futex_wake <address> <count>"))
        case "wait": try arity(1, "wait"); return .wait
        case "wake": try arity(2, "wake <tid>"); return .wake(thread: try thread("wake <tid>"))
        case "spawn": try arity(2, "spawn <tid>"); return .spawn(thread: try thread("spawn <tid>"))
        case "exit": try arity(1, "exit"); return .exit
        case "mmap", "munmap":
            let form = "\(t[0]) <address> <length>"
            try arity(3, form)
            let a = try num(1, form), l = try num(2, form)
            return t[0] == "mmap" ? .mmap(address: a, length: l) : .munmap(address: a, length: l)
        case "send":
            guard t.count == 2 || t.count == 3 else { throw fail("send <channel> [bytes]") }
            return .send(channel: file.intern(t[1]), bytes: t.count == 3 ? try u32(2, "send <channel> [bytes]") : 0)
        case "receive": try arity(2, "receive <channel>"); return .receive(channel: file.intern(t[1]))
        case "migrate": try arity(2, "migrate <kernel>"); return .migrate(kernel: file.intern(t[1]))
        case "op": try arity(1, "op"); return .marker
        default:
            throw TraceError(file: file.path, line: n,
                             "unknown record '\(t[0])'; expected one of insn, fetch, load, store, modify, atomic, fence, pause, syscall, lock, unlock, barrier, sleep, busy, timer, futex_wait, futex_wake, wait, wake, spawn, exit, mmap, munmap, send, receive, migrate, op")
        }
    }

    /// The text of one record (thread references as tids, names as strings).
    public static func line(_ r: TraceRecord, header: TraceHeader) -> String {
        func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }
        func name(_ i: UInt32) -> String { Int(i) < header.names.count ? header.names[Int(i)] : "#\(i)" }
        func tid(_ i: UInt32) -> String { Int(i) < header.threads.count ? String(header.threads[Int(i)].tid) : "?\(i)" }
        switch r {
        case .instructions(let c, let n): return "insn \(c.name) \(n)"
        case .fetch(let a): return "fetch \(hex(a))"
        case .futexWait(let a): return "futex_wait \(hex(a))"
        case .futexWake(let a, let n): return "futex_wake \(hex(a)) \(n)"
        case .load(let a, let s), .store(let a, let s), .modify(let a, let s), .atomic(let a, let s): return "\(r.keyword) \(hex(a)) \(s)"
        case .fence, .wait, .exit, .marker: return r.keyword
        case .pause(let n): return "pause \(n)"
        case .syscall(let n, let args): return (["syscall", name(n)] + args.values.map { hex($0) }).joined(separator: " ")
        case .lock(let a), .unlock(let a): return "\(r.keyword) \(hex(a))"
        case .barrier(let id, let p): return "barrier \(id) \(p)"
        case .sleep(let d), .busy(let d): return "\(r.keyword) \(format(d))"
        case .wake(let t), .spawn(let t): return "\(r.keyword) \(tid(t))"
        case .mmap(let a, let l), .munmap(let a, let l): return "\(r.keyword) \(hex(a)) \(l)"
        case .send(let ch, let b): return b == 0 ? "send \(name(ch))" : "send \(name(ch)) \(b)"
        case .receive(let ch): return "receive \(name(ch))"
        case .migrate(let k): return "migrate \(name(k))"
        case .timer(let n, let p, let a): return "timer \(name(n)) \(format(p))" + (a ? " absolute" : "")
        }
    }

    /// Every record of a text trace in one pass over the file, with its thread's index
    /// (conversion reads the file once instead of once per thread).
    static func forEachRecord(_ file: TraceFile, _ body: (Int, TraceRecord) throws(TraceError) -> Void) throws(TraceError) {
        let reader = try LineReader(path: file.readPath, shownAs: file.path)
        var thread = -1
        while let line = try reader.nextLine() {
            guard reader.lineNumber >= file.firstRecordLine, let first = line.first else { continue }
            if first == UInt8(ascii: "@") {
                let tid = try sectionThread(line, file: file.path, line: reader.lineNumber)
                guard let i = file.header.threadIndex(tid: tid) else {
                    throw TraceError(file: file.path, line: reader.lineNumber, "section for thread \(tid), which no 'thread' line declares")
                }
                thread = i
                continue
            }
            if let r = try parseRecord(line, file: file, line: reader.lineNumber) { try body(thread, r) }
        }
    }

    /// Writes `file` in the text form to `path` (atomically).
    public static func write(_ file: TraceFile, to path: String) throws(TraceError) {
        let temporary = path + ".tmp-\(getpid())"
        guard let out = fopen(temporary, "w") else { throw TraceError(file: path, "cannot create: \(String(cString: strerror(errno)))") }
        TemporaryFiles.add(temporary)
        var ok = true
        func put(_ s: String) {
            var line = s
            line.append("\n")
            if fputs(line, out) < 0 { ok = false }
        }
        let h = file.header
        put("mksim-trace 1")
        if !h.source.isEmpty { put("source " + h.source) }
        for t in h.threads { put("thread \(t.tid) \(t.name)" + (t.spawned ? " spawned" : "")) }
        for s in h.symbols { put("symbol 0x\(String(s.address, radix: 16)) \(s.size) \(s.name)") }
        do {
            for i in h.threads.indices {
                put("@\(h.threads[i].tid)")
                let c = try file.cursor(thread: i)
                while let r = try c.next() { put(line(r, header: file.header)) }
            }
        } catch {
            fclose(out)
            TemporaryFiles.remove(temporary)
            throw error
        }
        guard fclose(out) == 0, ok, rename(temporary, path) == 0 else {
            TemporaryFiles.remove(temporary)
            throw TraceError(file: path, "cannot write: \(String(cString: strerror(errno)))")
        }
        TemporaryFiles.forget(temporary)
    }
}

extension StringProtocol {
    /// Without the leading and trailing characters of `set` (Foundation-free).
    func trimmingCharacters(in set: String) -> String {
        let chars = Set(set)
        return String(String(drop { chars.contains($0) }.reversed().drop { chars.contains($0) }.reversed()))
    }
}
