import Foundation
import Testing

/// Inputs the fuzzers once crashed mksim with (Fuzz/regressions/TARGET-what, docs/fuzzing.md):
/// each now ends in a result or a diagnostic (exit 0 or 2), never a trap.
@Suite struct FuzzRegressionTests {
    @Test func everyFoundInputEndsInADiagnostic() throws {
        let dir = Repo.path("Fuzz/regressions")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(!names.isEmpty)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("mksim-regression-\(getpid()).mktrace").path
        defer { unlink(out) }
        for name in names {
            let target = String(name.prefix { $0 != "-" }) == "perf" ? "perf-sched" : String(name.prefix { $0 != "-" })
            let file = dir + "/" + name
            let args: [String]
            switch target {
            case "scenario": args = ["validate", file]
            case "native": args = ["trace", "convert", file, out]
            default: args = ["trace", "convert", "--from", target, file, out]
            }
            let r = try Repo.mksim(args)
            #expect(r.status == 0 || r.status == 2, "\(name): exit \(r.status) \(r.stderr.prefix(400))")
            if r.status == 2 { #expect(r.stderr.contains(file + ":"), "\(name): the error names the file and line: \(r.stderr.prefix(300))") }
        }
    }
}
