import Foundation
import Testing
@testable import SimWorkloads

/// Damaged input must come back as a TraceError (file, line or offset), never a trap:
/// seeded random damage to a binary trace and to every importer's input.
@Suite struct HostileTraceTests {
    static func readAll(_ path: String) throws(TraceError) {
        let f = try TraceFile(path: path)
        for i in f.header.threads.indices {
            let c = try f.cursor(thread: i)
            while try c.next() != nil {}
        }
    }

    @Test func damagedBinaryTracesAreErrorsNotCrashes() throws {
        let text = TraceFormatTests.path("fuzz-src.txt")
        try TraceFormatTests.sample.write(toFile: text, atomically: true, encoding: .utf8)
        let binary = TraceFormatTests.path("fuzz-src.mktrace")
        _ = try TraceImport.convert(text, format: .native, to: binary)
        let original = try #require(FileManager.default.contents(atPath: binary))
        var rng = SplitMix64(seed: 42, stream: [1])
        var errors = 0
        for i in 0..<400 {
            var bytes = [UInt8](original)
            for _ in 0..<(1 + Int(rng.below(4))) {
                let at = Int(rng.below(UInt64(bytes.count)))
                bytes[at] = UInt8(truncatingIfNeeded: rng.next())
            }
            if rng.below(4) == 0 { bytes = Array(bytes.prefix(Int(rng.below(UInt64(bytes.count))))) }
            let path = TraceFormatTests.path("fuzz-\(i).mktrace")
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            do { try Self.readAll(path) } catch { errors += 1; #expect(!error.description.isEmpty) }
        }
        #expect(errors > 100)  // most damage is caught (some lands in names or counts and is harmless)
    }

    @Test func damagedImporterInputIsAnErrorNotACrash() throws {
        let inputs: [(TraceFormat, String)] = [
            (.lackey, "I  0040100a,3\n L 1ff000,8\n M 1ff008,4\nI  0040100d,2\n S 7ffd10,8\n"),
            (.ftrace, "  sh-1 [000] ..... 1.000000: sched_switch: prev_comm=sh prev_pid=1 prev_prio=120 prev_state=S ==> next_comm=b next_pid=2 next_prio=120\n  b-2 [000] d..3. 1.000100: sched_waking: comm=sh pid=1 prio=120 target_cpu=000\n"),
            (.perfSched, "  sh 1 [000] 1.000000: sched:sched_switch: prev_comm=sh prev_pid=1 prev_prio=120 prev_state=S ==> next_comm=b next_pid=2 next_prio=120\n"),
            (.rtApp, "{ \"global\": {\"duration\": 1}, \"tasks\": { \"t\": { \"loop\": 3, \"run\": 100, \"lock\": \"m\", \"unlock\": \"m\", \"timer\": {\"ref\": \"a\", \"period\": 1000} } } }"),
            (.execlog, "0, 0x400580, 0xd503201f, \"nop\"\n0, 0x400590, 0xf94003e1, \"ldr x1, [sp]\", load, 0x5500800830\n"),
        ]
        var rng = SplitMix64(seed: 7, stream: [2])
        let alphabet = Array("0123456789abcdefx,:=[]{}\" .-\n\tIS LM".utf8)
        for (format, text) in inputs {
            for i in 0..<150 {
                var bytes = Array(text.utf8)
                for _ in 0..<(1 + Int(rng.below(3))) {
                    let at = Int(rng.below(UInt64(bytes.count)))
                    switch rng.below(3) {
                    case 0: bytes[at] = alphabet[Int(rng.below(UInt64(alphabet.count)))]
                    case 1: bytes.remove(at: at)
                    default: bytes.insert(alphabet[Int(rng.below(UInt64(alphabet.count)))], at: at)
                    }
                    if bytes.isEmpty { bytes = [0x0A] }
                }
                let path = TraceFormatTests.path("fuzz-\(format.rawValue)-\(i)")
                try Data(bytes).write(to: URL(fileURLWithPath: path))
                let out = path + ".mktrace"
                do {
                    _ = try TraceImport.convert(path, format: format, to: out)
                    try Self.readAll(out)
                } catch {
                    #expect(error.description.hasPrefix(path), "\(format): \(error)")
                }
            }
        }
    }
}
