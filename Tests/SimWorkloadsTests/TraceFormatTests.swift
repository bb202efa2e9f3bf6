import Foundation
import SimCPU
import SimMachine
import Testing
@testable import SimWorkloads

/// The native trace format: both forms carry the same records; bad input is reported with
/// where it is and what was expected.
@Suite struct TraceFormatTests {
    /// One directory per test process, removed when the process exits (the suites share it).
    static let dir: URL = {
        atexit { try? FileManager.default.removeItem(at: TraceFormatTests.processDirectory()) }
        return processDirectory()
    }()
    static func processDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("mksim-trace-tests-\(getpid())")
    }
    static func path(_ name: String) -> String {
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent(name).path
    }

    static let sample = """
    mksim-trace 1
    source hand-written
    thread 7 main
    thread 9 worker spawned
    symbol 0x601040 8 counter
    @7
    fetch 0x401000
    insn alu 12
    load 0x601040 8
    store 0x601048 4
    modify 0x601040 8   # a read-modify-write
    atomic 0x601040 8
    fence
    pause 3
    syscall futex 0x601040 0x80 1
    lock 0x601080
    unlock 0x601080
    barrier 1 2
    sleep 10us
    busy 1500ns
    timer tick 100us absolute
    spawn 9
    futex_wake 0x601088 1
    wake 9
    mmap 0x7f0000000000 1MiB
    munmap 0x7f0000000000 1MiB
    send ring 64
    receive ring
    migrate other
    op
    exit
    @9
    futex_wait 0x601088
    wait
    barrier 1 2
    load 0x601040 100
    exit
    """

    static func records(_ file: TraceFile) throws -> [[String]] {
        try file.header.threads.indices.map { i in
            let c = try file.cursor(thread: i)
            var out: [String] = []
            while let r = try c.next() { out.append(TextTrace.line(r, header: file.header)) }
            return out
        }
    }

    @Test func textAndBinaryCarryTheSameRecords() throws {
        let text = Self.path("sample.txt")
        try Self.sample.write(toFile: text, atomically: true, encoding: .utf8)
        let binary = Self.path("sample.mktrace")
        _ = try TraceImport.convert(text, format: .native, to: binary)
        let a = try TraceFile(path: text), b = try TraceFile(path: binary)
        #expect(a.form == .text && b.form == .binary)
        let ra = try Self.records(a), rb = try Self.records(b)
        #expect(ra == rb)
        #expect(ra[0].count == 25 && ra[1].count == 5)
        #expect(b.header.threads.map(\.tid) == [7, 9] && b.header.threads[1].spawned && b.header.threads[0].records == 25)
        #expect(b.header.symbols == [TraceSymbol(address: 0x601040, size: 8, name: "counter")])
        // Binary → text → binary gives the same bytes.
        let text2 = Self.path("sample2.txt"), binary2 = Self.path("sample2.mktrace")
        try TextTrace.write(b, to: text2)
        _ = try TraceImport.convert(text2, format: .native, to: binary2)
        #expect(FileManager.default.contents(atPath: binary) == FileManager.default.contents(atPath: binary2))
    }

    @Test func compressedTracesAreReadThroughTheSystemTool() throws {
        let text = Self.path("gz.txt")
        try Self.sample.write(toFile: text, atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "gzip -kf '\(text)'"]
        try p.run()
        p.waitUntilExit()
        let file = try TraceFile(path: text + ".gz")
        #expect(try Self.records(file) == Self.records(TraceFile(path: text)))
    }

    @Test func malformedTextLinesSayWhereAndWhat() throws {
        let cases: [(String, Int, String)] = [
            ("mksim-trace 1\nthread 1\n@1\nload 0x10\n", 4, "expected 'load <address> <size>'"),
            ("mksim-trace 1\nthread 1\n@1\ninsn alu 3\nfrobnicate 2\n", 5, "unknown record 'frobnicate'"),
            ("mksim-trace 1\nthread 1\n@1\nwake 4\n", 4, "thread 4 is not declared"),
            ("mksim-trace 1\nthread 1\n@1\nsleep 10 parsecs\n", 4, "expected 'sleep <duration>"),
            ("mksim-trace 2\n", 1, "version 1"),
            ("hello\n", 1, "expected 'mksim-trace 1'"),
            ("mksim-trace 1\nthread 1\n@2\n", 3, "which no 'thread' line declares"),
        ]
        for (i, (text, line, message)) in cases.enumerated() {
            let path = Self.path("bad\(i).txt")
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            do {
                let f = try TraceFile(path: path)
                _ = try Self.records(f)
                Issue.record("case \(i) was accepted")
            } catch let e as TraceError {
                #expect(e.line == line, "case \(i): \(e)")
                #expect(e.description.contains(message) && e.description.hasPrefix(path + ":\(line):"), "case \(i): \(e)")
            }
        }
    }

    /// A binary trace of 80,000 records in one thread, several blocks long.
    static func manyBlocks(_ name: String) throws -> String {
        let text = Self.path(name + ".txt")
        var big = "mksim-trace 1\nthread 1\n@1\n"
        for i in 0..<40_000 { big += "load 0x\(String(0x10000 + i * 64, radix: 16)) 8\ninsn alu \(i % 7 + 1)\n" }
        try big.write(toFile: text, atomically: true, encoding: .utf8)
        let binary = Self.path(name + ".mktrace")
        _ = try TraceImport.convert(text, format: .native, to: binary)
        return binary
    }

    @Test func aTruncatedBinaryTraceIsReportedAtItsOffset() throws {
        let binary = try Self.manyBlocks("whole")
        let bytes = try #require(FileManager.default.contents(atPath: binary))
        for cut in [10, 24, 30_000, bytes.count - 5] {
            let path = Self.path("cut\(cut).mktrace")
            try bytes.prefix(cut).write(to: URL(fileURLWithPath: path))
            do {
                let f = try TraceFile(path: path)
                _ = try Self.records(f)
                Issue.record("a trace cut at \(cut) bytes was accepted")
            } catch let e as TraceError {
                #expect(e.offset != nil && e.description.contains("truncated"), "cut \(cut): \(e)")
            }
        }
        // A block cut inside (its footer intact, a block's bytes gone) is caught when read.
        var corrupt = bytes
        corrupt.replaceSubrange(40..<48, with: [UInt8](repeating: 0xFF, count: 8))
        let path = Self.path("corrupt.mktrace")
        try corrupt.write(to: URL(fileURLWithPath: path))
        #expect(throws: TraceError.self) { _ = try Self.records(TraceFile(path: path)) }
    }

    /// The replay decodes records in batches (`nextBatch`): the same records as one at a time,
    /// across block boundaries, and on a corrupt block the records before it, then the error
    /// at the same offset.
    @Test func batchesDecodeWhatSingleReadsDo() throws {
        let binary = try Self.manyBlocks("batch")
        func batched(_ file: TraceFile, limit: Int) throws -> (records: [String], error: TraceError?) {
            let c = try file.cursor(thread: 0)
            var out: [String] = [], batch: [TraceRecord] = []
            while true {
                let error = c.nextBatch(into: &batch, limit: limit)
                out += batch.map { TextTrace.line($0, header: file.header) }
                if error != nil || batch.isEmpty { return (out, error) }
            }
        }
        let whole = try TraceFile(path: binary)
        #expect(whole.blockOffsets[0].count > 1, "the trace spans several blocks")
        let single = try Self.records(whole)[0]
        #expect(single.count == 80_000)
        for limit in [1, 7, 256, 100_000] {
            let b = try batched(TraceFile(path: binary), limit: limit)
            #expect(b.error == nil && b.records == single, "limit \(limit)")
        }
        var corrupt = try #require(FileManager.default.contents(atPath: binary))
        corrupt.replaceSubrange(40..<48, with: [UInt8](repeating: 0xFF, count: 8))
        let path = Self.path("batch-corrupt.mktrace")
        try corrupt.write(to: URL(fileURLWithPath: path))
        var before: [String] = []
        var singleError: TraceError?
        let c = try TraceFile(path: path).cursor(thread: 0)
        do {
            while let r = try c.next() { before.append(TextTrace.line(r, header: whole.header)) }
        } catch { singleError = error }
        let b = try batched(TraceFile(path: path), limit: 256)
        #expect(singleError != nil && b.error?.description == singleError?.description)
        #expect(b.records == before)
    }
}
