import Foundation
import SimCPU
import Testing
@testable import SimWorkloads

/// Importers of real traces, on fixtures made by the real tools (scenarios/traces/fixtures,
/// make-fixtures.sh), and their errors on malformed input.
@Suite struct ImporterTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../scenarios/traces/fixtures").standardized.path
    static func fixture(_ name: String) -> String { fixtures + "/" + name }

    static func records(_ path: String) throws -> (TraceFile, [[TraceRecord]]) {
        let f = try TraceFile(path: path)
        let all = try f.header.threads.indices.map { i in
            let c = try f.cursor(thread: i)
            var out: [TraceRecord] = []
            while let r = try c.next() { out.append(r) }
            return out
        }
        return (f, all)
    }

    @Test func lackeyCounterDecodesEveryInstructionAndItsAtomicsHitTheLockWord() throws {
        let out = TraceFormatTests.path("counter.mktrace")
        let report = try TraceImport.convert(Self.fixture("counter.lackey.xz"), format: .lackey,
                                             options: ImportOptions(executable: Self.fixture("counter.xz")), to: out)
        #expect(report.undecodable == 0 && report.instructions > 500_000, "\(report.summary)")
        let (file, threads) = try Self.records(out)
        let lock = try #require(file.header.symbols.first { $0.name == "counter_lock" })
        // Main plus the two workers, which main spawns (valgrind --trace-syscalls shows the clones).
        #expect(threads.count == 3 && file.header.threads.filter(\.spawned).count == 2)
        #expect(threads[0].filter { if case .spawn = $0 { true } else { false } }.count == 2)
        for t in 1...2 {
            let atomics = threads[t].compactMap { r -> UInt64? in if case .atomic(let a, _) = r { a } else { nil } }
            let onLock = atomics.filter { $0 >= lock.address && $0 < lock.address + lock.size }.count
            // pthread_mutex_lock's lock cmpxchg and unlock's atomic exchange: 5,000 iterations each.
            #expect(onLock >= 10_000, "thread \(t): \(onLock) of \(atomics.count) atomics on counter_lock")
        }
        // pthread_join's futex wait that slept is kept as a wait; each worker's exit wakes its
        // CLONE_CHILD_CLEARTID word, so the join is re-timed to the worker's end.
        let waits = threads[0].compactMap { r -> UInt64? in if case .futexWait(let a) = r { a } else { nil } }
        #expect(waits.count >= 1)
        for w in waits {
            #expect(threads[1...].contains { $0.dropLast().last == .futexWake(address: w, count: 1) && $0.last == .exit })
        }
    }

    /// valgrind writes lines of its own into a lackey trace, some beginning like a record
    /// ("SCHEDSETJMP(line 1211) tid 2, jumped=..." when a thread is killed at exit): they are
    /// skipped and counted, the records around them kept.
    @Test func lackeyTakesValgrindsOwnLinesAsTheyCome() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mksim-lackey-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("t.lackey").path, out = dir.appendingPathComponent("t.mktrace").path
        try "I  0040100a,3\n L 1ff000,8\nSCHEDSETJMP(line 1211) tid 2, jumped=0x58a3c0\n==4242== Memcheck-free line\n M 1ff008,4\nI  0040100d,2\n S 7ffd10,8\n"
            .write(toFile: input, atomically: true, encoding: .utf8)
        let report = try TraceImport.convert(input, format: .lackey, to: out)
        #expect(report.notes.contains { $0.contains("skipped 1 valgrind-internal line") && $0.contains("SCHEDSETJMP") }, "\(report.summary)")
        let (_, threads) = try Self.records(out)
        let accesses = threads.flatMap { $0 }.filter {
            switch $0 { case .load, .store, .modify: return true; default: return false }
        }
        #expect(accesses.count == 3)
    }

    /// valgrind runs a blocking FUTEX_WAIT [async] and prints how it ended on a later line:
    /// woken, it is a wait; timed out (ETIMEDOUT, 0x6e), a call that waited for nobody, so that
    /// the replay does not wait for a wake that never comes.
    @Test func lackeyFutexWaitsAreTimedByTheirResult() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mksim-futex-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("t.lackey").path, out = dir.appendingPathComponent("t.mktrace").path
        try """
        I  0040100a,3
        SYSCALL[4242,1](202) sys_futex ( 0x4a20b0, 128, 2, 0x7ffd1000, 0x0, 0 ) --> [async] ...
        SYSCALL[4242,1](202) ... [async] --> Failure(0x6e)
        I  0040100d,2
        SYSCALL[4242,1](202) sys_futex ( 0x4a20c0, 128, 2, 0x0, 0x0, 0 ) --> [async] ...
        SYSCALL[4242,1](202) ... [async] --> Success(0x0)
         S 7ffd10,8

        """.write(toFile: input, atomically: true, encoding: .utf8)
        let report = try TraceImport.convert(input, format: .lackey, to: out)
        #expect(report.notes.contains { $0.contains("1 futex wait timed out") }, "\(report.summary)")
        let (_, threads) = try Self.records(out)
        let main = threads[0]
        #expect(!main.contains(.futexWait(address: 0x4a20b0)))
        #expect(main.contains(.futexWait(address: 0x4a20c0)))
        #expect(main.contains { if case .syscall = $0 { return true } else { return false } })
    }

    static func tool(_ name: String) -> Bool {
        ["/usr/bin/", "/bin/"].contains { FileManager.default.isExecutableFile(atPath: $0 + name) }
    }

    /// A dynamically linked PIE: valgrind's --trace-symtab=yes says where the program, ld.so and
    /// libc were loaded, and their instructions are decoded from those files.
    @Test(.enabled(if: tool("valgrind") && tool("gcc")))
    func lackeyTraceOfADynamicPIEDecodesThroughTheLoadedObjects() throws {
        let dir = TraceFormatTests.path("pie")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let script = """
        set -e
        cd '\(dir)'
        gcc -O1 -pie -fPIE -pthread -o counter '\(Self.fixture("counter.c"))'
        valgrind --tool=lackey --trace-mem=yes --trace-sched=yes --trace-syscalls=yes --trace-symtab=yes \\
            --log-file=counter.lackey ./counter > /dev/null
        """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", script]
        try p.run()
        p.waitUntilExit()
        try #require(p.terminationStatus == 0)
        let out = dir + "/counter.mktrace"
        let report = try TraceImport.convert(dir + "/counter.lackey", format: .lackey, to: out)
        #expect(report.undecodable == 0 && report.instructions > 100_000, "\(report.summary)")
        let (file, threads) = try Self.records(out)
        let lock = try #require(file.header.symbols.first { $0.name == "counter_lock" })
        #expect(lock.address > 0x100000, "placed at its load address")
        let onLock = threads.flatMap { $0 }.filter { if case .atomic(let a, _) = $0 { a >= lock.address && a < lock.address + lock.size } else { false } }
        #expect(onLock.count >= 20_000)
    }

    @Test func schedulerCapturesKeepWakeUpDependencies() throws {
        for (name, format) in [("pingpong.ftrace", TraceFormat.ftrace), ("pingpong.perf-sched", .perfSched)] {
            let out = TraceFormatTests.path(name + ".mktrace")
            _ = try TraceImport.convert(Self.fixture(name), format: format, to: out)
            let (file, threads) = try Self.records(out)
            // The two processes of the ping-pong pass the byte 50 times each way: one of them
            // (both, when they run on two CPUs) sleeps in read until the other's write wakes it.
            let waits = threads.map { $0.filter { $0 == .wait }.count }
            let wakes = threads.map { $0.filter { if case .wake = $0 { true } else { false } }.count }
            #expect(waits.reduce(0, +) == wakes.reduce(0, +), "\(name)")
            #expect(waits.max()! >= 45, "\(name): waits per task \(waits)")
            let sleeper = waits.firstIndex(of: waits.max()!)!
            let byWaker = threads.map { $0.filter { $0 == .wake(thread: UInt32(sleeper)) }.count }
            #expect(byWaker.max()! >= 45 && byWaker[sleeper] == 0, "\(name): the other process wakes it: \(byWaker)")
            // Someone spawned the child process.
            #expect(file.header.threads.contains { $0.spawned }, "\(name)")
            let busy = threads.flatMap { $0 }.reduce(UInt64(0)) { if case .busy(let d) = $1 { $0 + d.raw } else { $0 } }
            #expect(busy > 100_000_000, "\(name): \(busy) ps busy")  // > 100 us of CPU time in the capture
        }
    }

    @Test func olderTraceCmdLayoutParses() throws {
        let text = """
        version = 6
        CPU 0 is empty
        cpus=2
               sh-2001  [000]  5000.000100: sched_switch:         sh:2001 [120] S ==> worker:2002 [120]
           worker-2002  [000]  5000.000300: sched_wakeup:         sh:2001 [120] success=1 CPU:000
           worker-2002  [000]  5000.000400: sched_switch:         worker:2002 [120] S ==> sh:2001 [120]
        """
        let path = TraceFormatTests.path("old.trace-cmd")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let out = TraceFormatTests.path("old.mktrace")
        _ = try TraceImport.convert(path, format: .ftrace, to: out)
        let (_, threads) = try Self.records(out)
        #expect(threads.count == 2)
        #expect(threads[1].contains { if case .wake = $0 { true } else { false } })
    }

    @Test func rtAppExamplesImport() throws {
        // Copies of rt-app's examples (Debian package rt-app, GPL-2.0) are in fixtures/rt-app.
        let dir = Self.fixture("rt-app")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".json") }.sorted()
        #expect(files.count >= 3)
        for f in files {
            let out = TraceFormatTests.path(f + ".mktrace")
            let report = try TraceImport.convert(dir + "/" + f, format: .rtApp, to: out)
            #expect(report.records > 0, "\(f)")
            _ = try Self.records(out)
        }
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/usr/share/doc/rt-app/examples")))
    func everyExampleOfTheInstalledRtAppPackageImports() throws {
        let root = "/usr/share/doc/rt-app/examples"
        let files = FileManager.default.enumerator(atPath: root)!.compactMap { $0 as? String }
            .filter { $0.hasSuffix(".json") && !$0.hasPrefix("merge/") }.sorted()  // merge/: pieces for merge.py
        #expect(files.count >= 15)
        for f in files {
            let out = TraceFormatTests.path("pkg-" + f.replacingOccurrences(of: "/", with: "_") + ".mktrace")
            let report = try TraceImport.convert(root + "/" + f, format: .rtApp, to: out)
            #expect(report.records > 0, "\(f)")
        }
    }

    @Test func execlogOfAnAArch64ProgramDecodesWithCapstone() throws {
        let out = TraceFormatTests.path("small-arm.mktrace")
        let report = try TraceImport.convert(Self.fixture("small-arm.execlog.xz"), format: .execlog, to: out)
        let (_, threads) = try Self.records(out)
        #expect(threads.count == 1 && report.instructions > 20_000)
        // glibc's startup runs 4 SVE instructions Capstone 4 cannot decode: reported, not fatal.
        #expect(report.undecodable == 4 && report.undecodableSamples.allSatisfy { $0.contains("undecodable instruction at 0x") })
        // The program's __atomic_fetch_add (an LSE or an exclusive pair) becomes an atomic.
        #expect(threads[0].contains { if case .atomic = $0 { true } else { false } })
    }

    @Test func malformedLinesInEveryImporterSayFileLineAndWhatWasExpected() throws {
        let cases: [(TraceFormat, String, Int, String)] = [
            (.lackey, "I  0040100a,3\n L 1ff000,8\nI  zz,2\n", 3, "expected a lackey record"),
            (.lackey, "I  0040100a,3\nhello\n", 2, "expected a lackey record"),
            (.ftrace, "# tracer: nop\n  sh-1 [000] ..... 1.000000: sched_switch: prev_comm=sh prev_pid=1\n", 2, "sched_switch: expected"),
            (.ftrace, "# tracer: nop\nnot a trace line\n", 2, "expected an ftrace line"),
            (.perfSched, "  perf 12 [000] 1.0: sched:sched_wakeup: comm=x\n", 1, "sched_wakeup: expected"),
            (.rtApp, "{ \"tasks\": { \"t\": { \"run\": 10, \"frob\": 3 } } }", 1, "expected an rt-app event"),
            (.rtApp, "{ \"tasks\": {\n \"t\": { \"run\": 10 \n", 3, "expected"),
            (.execlog, "0, 0x400580, 0xd503201f, \"nop\"\n0, 0x400584, \"mov\"\n", 2, "expected 'cpu, 0xaddress"),
            (.execlog, "0, 0x400590, 0xf94003e1, \"ldr x1, [sp]\", load\n", 1, "expected ', load, 0xaddress'"),
        ]
        for (i, (format, text, line, message)) in cases.enumerated() {
            let path = TraceFormatTests.path("bad-import-\(i)")
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            let out = TraceFormatTests.path("bad-import-\(i).mktrace")
            do {
                _ = try TraceImport.convert(path, format: format, to: out)
                Issue.record("case \(i) (\(format)) was accepted")
            } catch {
                #expect(error.line == line && error.description.hasPrefix("\(path):\(line): "), "case \(i): \(error)")
                #expect(error.description.contains(message), "case \(i): \(error)")
            }
            // Nothing is left behind: no output, no temporary.
            #expect(!FileManager.default.fileExists(atPath: out), "case \(i)")
            #expect(!FileManager.default.fileExists(atPath: out + ".tmp-\(getpid())"), "case \(i)")
        }
    }
}
