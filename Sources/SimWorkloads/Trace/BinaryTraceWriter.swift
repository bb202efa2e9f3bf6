#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Writes a trace in the binary form, thread streams interleaved in blocks.
///
/// Memory is one open block per thread: importers stream records in as they read their
/// input. The file appears at `path` only when `finish()` succeeds (temporary file, then
/// rename), so an interrupted conversion leaves no half-written trace.
public final class BinaryTraceWriter {
    public let path: String
    public var header = TraceHeader()
    private let temporary: String
    private var file: UnsafeMutablePointer<FILE>?
    private var offset: UInt64
    private var blocks: [ByteSink] = []
    private var lastAddress: [UInt64] = []
    private var blockOffsets: [[UInt64]] = []
    private var counts: [UInt64] = []

    public init(path: String) throws(TraceError) {
        self.path = path
        temporary = path + ".tmp-\(getpid())"
        guard let f = fopen(temporary, "wb") else {
            throw TraceError(file: path, "cannot create: \(String(cString: strerror(errno)))")
        }
        file = f
        TemporaryFiles.add(temporary)
        var h = ByteSink()
        h.bytes = TraceBinaryFormat.magic
        h.u32(TraceBinaryFormat.version)
        h.u32(0)
        h.u64(0)  // footer offset, patched by finish()
        offset = 0
        try emit(h.bytes)
    }

    deinit { abandon() }

    /// Adds a thread; returns its index (what records and `append` refer to).
    @discardableResult
    public func addThread(_ t: TraceThread) -> Int {
        header.threads.append(t)
        blocks.append(ByteSink())
        lastAddress.append(0)
        blockOffsets.append([])
        counts.append(0)
        return header.threads.count - 1
    }

    public func append(_ record: TraceRecord, thread: Int) throws(TraceError) {
        blocks[thread].record(record, last: &lastAddress[thread])
        counts[thread] &+= 1
        if blocks[thread].bytes.count >= TraceBinaryFormat.blockTarget { try flush(thread) }
    }

    private func flush(_ thread: Int) throws(TraceError) {
        guard !blocks[thread].bytes.isEmpty else { return }
        blockOffsets[thread].append(offset)
        var h = ByteSink()
        h.bytes.append(TraceBinaryFormat.blockTag)
        h.varint(UInt64(thread))
        h.varint(UInt64(blocks[thread].bytes.count))
        try emit(h.bytes)
        try emit(blocks[thread].bytes)
        blocks[thread].bytes.removeAll(keepingCapacity: true)
        lastAddress[thread] = 0
    }

    private func emit(_ bytes: [UInt8]) throws(TraceError) {
        guard let file else { throw TraceError(file: path, "writer already closed") }
        let n = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        guard n == bytes.count else { throw TraceError(file: path, "write failed: \(String(cString: strerror(errno)))") }
        offset += UInt64(n)
    }

    /// Writes the footer and moves the trace into place.
    public func finish() throws(TraceError) {
        for t in header.threads.indices { try flush(t) }
        let footerOffset = offset
        var f = ByteSink()
        f.bytes.append(TraceBinaryFormat.footerTag)
        f.varint(UInt64(header.threads.count))
        for (i, t) in header.threads.enumerated() {
            f.varint(t.tid)
            f.string(t.name)
            f.bytes.append(t.spawned ? 1 : 0)
            f.varint(counts[i])
            f.varint(UInt64(blockOffsets[i].count))
            var previous: UInt64 = 0
            for o in blockOffsets[i] { f.varint(o - previous); previous = o }
        }
        f.varint(UInt64(header.names.count))
        for n in header.names { f.string(n) }
        f.varint(UInt64(header.symbols.count))
        for s in header.symbols { f.varint(s.address); f.varint(s.size); f.string(s.name) }
        f.string(header.source)
        try emit(f.bytes)
        guard let file else { return }
        var patch = ByteSink()
        patch.u64(footerOffset)
        fseek(file, 16, SEEK_SET)
        _ = patch.bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, 8, file) }
        let closed = fclose(file)
        self.file = nil
        guard closed == 0, rename(temporary, path) == 0 else {
            TemporaryFiles.remove(temporary)
            throw TraceError(file: path, "cannot write: \(String(cString: strerror(errno)))")
        }
        TemporaryFiles.forget(temporary)
        for i in counts.indices { header.threads[i].records = counts[i] }
    }

    /// Drops an unfinished trace (an importer failed).
    public func abandon() {
        if let file {
            fclose(file)
            self.file = nil
            TemporaryFiles.remove(temporary)
        }
    }
}
