#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import SimCPU
import SimMachine

/// A trace opened for reading: its header, and a cursor per thread that streams that
/// thread's records (binary: its blocks, read by offset; text: its `@tid` sections).
///
/// Nothing is loaded whole: each cursor holds one block or one line. Compressed files
/// (`.gz`, `.xz`, `.zst`) are decompressed through the system's tool into a temporary
/// file first, since each thread's stream is read at its own pace.
///
/// Binary traces do not change after opening and their cursors read with pread, so one
/// opened file serves simulations running in parallel. Text traces add the names they
/// meet as cursors read: convert them to binary before sharing them (scenarios do).
public final class TraceFile: @unchecked Sendable {
    public enum Form: String, Sendable { case binary, text }
    /// The path as given (for messages).
    public let path: String
    public let form: Form
    public private(set) var header: TraceHeader
    /// Binary: each thread's block offsets.
    let blockOffsets: [[UInt64]]
    let fileSize: UInt64
    let fd: Int32
    /// The file actually read (a decompressed temporary, or `path`).
    let readPath: String
    private let temporary: String?
    /// Names met in text records, shared by the cursors (so that indices agree).
    private var nameIndex: [String: UInt32] = [:]
    /// Text: line where the records start.
    let firstRecordLine: Int

    /// `shownAs`: the name errors give (the user's file, when `path` is a conversion of it).
    public init(path: String, shownAs: String? = nil) throws(TraceError) {
        let shown = shownAs ?? path
        self.path = shown
        var read = path
        var temp: String?
        if let tool = Self.decompressor(for: path) {
            let t = try Self.decompress(path, with: tool)
            read = t
            temp = t
        }
        readPath = read
        temporary = temp
        let f = open(read, O_RDONLY)
        guard f >= 0 else {
            if let temp { TemporaryFiles.remove(temp) }
            throw TraceError(file: shown, "cannot open: \(String(cString: strerror(errno)))")
        }
        fd = f
        var st = stat()
        fstat(f, &st)
        fileSize = UInt64(st.st_size)
        var magic = [UInt8](repeating: 0, count: 8)
        let n = magic.withUnsafeMutableBytes { pread(f, $0.baseAddress, 8, 0) }
        do throws(TraceError) {
            if n == 8 && magic == TraceBinaryFormat.magic || (n > 0 && n < 8 && Array(magic.prefix(n)) == Array(TraceBinaryFormat.magic.prefix(n))) {
                form = .binary
                (header, blockOffsets) = try Self.readFooter(fd: f, size: fileSize, path: shown)
                firstRecordLine = 0
            } else {
                form = .text
                blockOffsets = []
                (header, firstRecordLine) = try TextTrace.readHeader(path: read, shownAs: shown)
            }
        } catch {
            close(f)
            if let temp { TemporaryFiles.remove(temp) }
            throw error
        }
        for (i, n) in header.names.enumerated() { nameIndex[n] = UInt32(i) }
    }

    deinit {
        close(fd)
        if let temporary { TemporaryFiles.remove(temporary) }
    }

    /// A cursor over thread `index`'s records, from the start.
    public func cursor(thread index: Int) throws(TraceError) -> TraceCursor {
        try TraceCursor(file: self, thread: index)
    }

    /// The index of a name (adding it: text traces name things inline).
    func intern(_ name: String) -> UInt32 {
        if let i = nameIndex[name] { return i }
        let i = UInt32(header.names.count)
        header.names.append(name)
        nameIndex[name] = i
        return i
    }

    public func name(_ index: UInt32) -> String { Int(index) < header.names.count ? header.names[Int(index)] : "#\(index)" }

    // MARK: binary footer

    private static func readFooter(fd: Int32, size: UInt64, path: String) throws(TraceError) -> (TraceHeader, [[UInt64]]) {
        typealias F = TraceBinaryFormat
        guard size >= UInt64(F.headerBytes) else {
            throw TraceError(file: path, offset: size, "truncated: the file ends inside the \(F.headerBytes)-byte header")
        }
        var head = [UInt8](repeating: 0, count: F.headerBytes)
        _ = head.withUnsafeMutableBytes { pread(fd, $0.baseAddress, F.headerBytes, 0) }
        let (version, footer): (UInt32, UInt64) = head.withUnsafeBytes { raw in
            var s = ByteSource(raw)
            s.position = 8
            let v = s.u32() ?? 0
            _ = s.u32()
            return (v, s.u64() ?? 0)
        }
        guard version == F.version else {
            throw TraceError(file: path, offset: 8, "binary trace version \(version); this mksim reads version \(F.version)")
        }
        guard footer != 0 else {
            throw TraceError(file: path, offset: size, "truncated: the trace has no footer (its writer did not finish)")
        }
        guard footer < size else {
            throw TraceError(file: path, offset: size, "truncated at offset \(size): the footer should start at offset \(footer)")
        }
        let length = Int(size - footer)
        guard length <= 256 << 20 else { throw TraceError(file: path, offset: footer, "footer of \(length) bytes is not plausible") }
        var bytes = [UInt8](repeating: 0, count: length)
        _ = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, length, off_t(footer)) }
        let parsed = bytes.withUnsafeBytes { raw in
            Result { () throws(TraceError) in try parseFooter(raw, footer: footer, length: length, path: path) }
        }
        return try parsed.get()
    }

    private static func parseFooter(_ raw: UnsafeRawBufferPointer, footer: UInt64, length: Int,
                                    path: String) throws(TraceError) -> (TraceHeader, [[UInt64]]) {
        typealias F = TraceBinaryFormat
        do {
            var s = ByteSource(raw)
            func fail(_ what: String) -> TraceError {
                TraceError(file: path, offset: footer + UInt64(s.position), "footer: expected \(what)" + (s.atEnd ? " (truncated)" : ""))
            }
            guard s.byte() == F.footerTag else { throw fail("the footer tag 'F'") }
            var h = TraceHeader()
            var offsets: [[UInt64]] = []
            guard let threads = s.varint(), threads < 1 << 20 else { throw fail("a thread count") }
            for _ in 0..<threads {
                guard let tid = s.varint(), let name = s.string(), let flags = s.byte(), let records = s.varint(),
                      let blocks = s.varint(), blocks <= UInt64(length) else { throw fail("a thread entry") }
                var list: [UInt64] = []
                var o: UInt64 = 0
                for _ in 0..<blocks {
                    guard let d = s.varint() else { throw fail("a block offset") }
                    o &+= d
                    guard o >= UInt64(F.headerBytes) && o < footer else { throw fail("a block offset inside the file (got \(o))") }
                    list.append(o)
                }
                h.threads.append(TraceThread(tid: tid, name: name, spawned: flags & 1 != 0, records: records))
                offsets.append(list)
            }
            guard let names = s.varint(), names <= UInt64(length) else { throw fail("a name count") }
            for _ in 0..<names { guard let n = s.string() else { throw fail("a name") }; h.names.append(n) }
            guard let symbols = s.varint(), symbols <= UInt64(length) else { throw fail("a symbol count") }
            for _ in 0..<symbols {
                guard let a = s.varint(), let z = s.varint(), let n = s.string() else { throw fail("a symbol") }
                h.symbols.append(TraceSymbol(address: a, size: z, name: n))
            }
            guard let source = s.string() else { throw fail("the source string") }
            h.source = source
            return (h, offsets)
        }
    }

    // MARK: compressed input

    public static func decompressor(for path: String) -> String? {
        if path.hasSuffix(".gz") { return "gzip" }
        if path.hasSuffix(".xz") { return "xz" }
        if path.hasSuffix(".zst") { return "zstd" }
        return nil
    }

    /// Decompresses `path` with `tool -dc` into a temporary file (posix_spawn, no shell).
    static func decompress(_ path: String, with tool: String) throws(TraceError) -> String {
        guard access(path, R_OK) == 0 else { throw TraceError(file: path, "cannot open: \(String(cString: strerror(errno)))") }
        let dir = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array((dir + "/mksim-trace-XXXXXX").utf8CString)
        let out = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard out >= 0 else { throw TraceError(file: path, "cannot create a temporary file in \(dir)") }
        let temp = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        TemporaryFiles.add(temp)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_adddup2(&actions, out, 1)
        let args = [tool, "-dc", "--", path]
        var argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, tool, &actions, nil, &argv, environ)
        for a in argv { free(a) }
        posix_spawn_file_actions_destroy(&actions)
        close(out)
        guard rc == 0 else {
            TemporaryFiles.remove(temp)
            throw TraceError(file: path, "cannot run '\(tool)' to decompress it (install it: apt-get install \(tool == "zstd" ? "zstd" : tool == "xz" ? "xz-utils" : "gzip"))")
        }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        guard status == 0 else {
            TemporaryFiles.remove(temp)
            throw TraceError(file: path, "'\(tool) -dc' failed (exit status \(status >> 8)): the file is not valid \(tool) data or is truncated")
        }
        return temp
    }
}

/// Streams one thread's records.
public final class TraceCursor {
    public let file: TraceFile
    public let thread: Int
    // Binary: the current block.
    private var block: UnsafeMutableRawBufferPointer
    private var blockLength = 0
    private var position = 0
    private var nextBlock = 0
    private var blockOffset: UInt64 = 0
    private var lastAddress: UInt64 = 0
    // Text.
    private var text: TextTrace.LineReader?
    private var inSection = false
    /// Records returned so far.
    public private(set) var count: UInt64 = 0

    init(file: TraceFile, thread: Int) throws(TraceError) {
        self.file = file
        self.thread = thread
        block = UnsafeMutableRawBufferPointer.allocate(byteCount: 0, alignment: 8)
        if file.form == .text {
            text = try TextTrace.LineReader(path: file.readPath, shownAs: file.path)
        }
    }

    deinit { block.deallocate() }

    /// The next record, or nil at the end of the thread's stream.
    @inline(__always)
    public func next() throws(TraceError) -> TraceRecord? {
        if file.form == .binary {
            if position < blockLength {
                var s = ByteSource(UnsafeRawBufferPointer(rebasing: block[0..<blockLength]))
                s.position = position
                if let r = s.record(last: &lastAddress) {
                    position = s.position
                    count &+= 1
                    return r
                }
                throw TraceError(file: file.path, offset: blockOffset + UInt64(position),
                                 "thread \(thread): a record that does not decode (corrupt or truncated block)")
            }
            guard try loadBlock() else { return nil }
            return try next()
        }
        return try nextText()
    }

    /// Decodes the next records, up to `limit`, into `out` (emptied first): a binary trace's in
    /// one pass over its blocks, so that a replay reads an array element per record instead of
    /// calling the cursor (issue 18); a text trace's one record, as text cursors intern names
    /// while they read. An error ends the batch after the records before it and is returned.
    public func nextBatch(into out: inout [TraceRecord], limit: Int) -> TraceError? {
        guard file.form == .binary else {
            out.removeAll(keepingCapacity: true)
            do { if let r = try next() { out.append(r) } } catch { return error }
            return nil
        }
        var failure: TraceError?
        // Written through the new array's buffer: appending checked its uniqueness per record.
        out = [TraceRecord](unsafeUninitializedCapacity: limit) { buffer, filled in
            var n = 0
            while n < limit {
                if position >= blockLength {
                    do throws(TraceError) { guard try loadBlock() else { break } } catch {
                        failure = error
                        break
                    }
                    continue
                }
                // Locals in the loop: the class's fields are read and written once per block.
                var s = ByteSource(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(block)[0..<blockLength]))
                s.position = position
                var last = lastAddress
                var failedAt: Int?
                while n < limit && s.position < s.base.count {
                    let start = s.position
                    guard let r = s.record(last: &last) else { failedAt = start; break }
                    (buffer.baseAddress! + n).initialize(to: r)
                    n &+= 1
                }
                position = failedAt ?? s.position
                lastAddress = last
                if let at = failedAt {
                    failure = TraceError(file: file.path, offset: blockOffset + UInt64(at),
                                         "thread \(thread): a record that does not decode (corrupt or truncated block)")
                    break
                }
            }
            filled = n
        }
        count &+= UInt64(out.count)
        return failure
    }

    private func loadBlock() throws(TraceError) -> Bool {
        let offsets = file.blockOffsets[thread]
        guard nextBlock < offsets.count else { return false }
        let o = offsets[nextBlock]
        nextBlock += 1
        var head = [UInt8](repeating: 0, count: 21)
        let got = head.withUnsafeMutableBytes { pread(file.fd, $0.baseAddress, 21, off_t(o)) }
        let (tag, owner, length, headerLength): (UInt8?, UInt64?, UInt64?, Int) = head.withUnsafeBytes { raw in
            var s = ByteSource(UnsafeRawBufferPointer(rebasing: raw[0..<max(0, got)]))
            return (s.byte(), s.varint(), s.varint(), s.position)
        }
        guard tag == TraceBinaryFormat.blockTag, owner == UInt64(thread), let length, length <= UInt64(TraceBinaryFormat.blockLimit) else {
            throw TraceError(file: file.path, offset: o, "expected a block of thread \(thread) here")
        }
        let start = o + UInt64(headerLength)
        guard start + length <= file.fileSize else {
            throw TraceError(file: file.path, offset: file.fileSize, "truncated at offset \(file.fileSize): a block of \(length) bytes starts at \(start)")
        }
        if block.count < Int(length) {
            block.deallocate()
            block = UnsafeMutableRawBufferPointer.allocate(byteCount: Int(length), alignment: 8)
        }
        var read = 0
        while read < Int(length) {
            let n = pread(file.fd, block.baseAddress! + read, Int(length) - read, off_t(start) + off_t(read))
            guard n > 0 else { throw TraceError(file: file.path, offset: start + UInt64(read), "read failed or file truncated") }
            read += n
        }
        blockLength = Int(length)
        blockOffset = start
        position = 0
        lastAddress = 0
        return true
    }

    private func nextText() throws(TraceError) -> TraceRecord? {
        guard let text else { return nil }
        let tid = file.header.threads[thread].tid
        while let line = try text.nextLine() {
            guard let first = line.first else { continue }
            if first == UInt8(ascii: "@") {
                inSection = try TextTrace.sectionThread(line, file: file.path, line: text.lineNumber) == tid
                continue
            }
            guard inSection, text.lineNumber >= file.firstRecordLine else { continue }
            if first == UInt8(ascii: "#") { continue }
            if let r = try TextTrace.parseRecord(line, file: file, line: text.lineNumber) {
                count &+= 1
                return r
            }
        }
        return nil
    }
}
