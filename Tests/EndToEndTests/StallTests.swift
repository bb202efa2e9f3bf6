import Foundation
import SimKernelModel
import SimReport
import SimScenario
import Testing

/// A run whose tasks all wait for what cannot come ends, says from when and what each waits
/// on, and fails `check` unless the scenario expects the stall (issue 16, item 2). Before,
/// with no tick pending (every task asleep), such a run just ended with "0 /s" and no word.
@Suite struct StallTests {
    static func scenario(in dir: URL, expectStall: Bool) throws -> String {
        let trace = """
        mksim-trace 1
        thread 1 main
        thread 2 helper
        @1
        insn alu 100
        futex_wait 0x4000
        exit
        @2
        insn alu 50
        barrier 7 3
        exit
        """
        try trace.write(to: dir.appendingPathComponent("t.trace"), atomically: true, encoding: .utf8)
        let path = dir.appendingPathComponent("s.yaml").path
        try """
        mksim: 1
        name: stuck
        machine: {preset: teaching-2s4c}
        kernels: [{name: k, cpus: 0-3}]
        workloads: [{name: w, on: k, trace: {path: t.trace, format: native}}]
        \(expectStall ? "expect: [{metric: stalled_ns, min: 0}]" : "")
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func tasksThatWaitForeverEndTheRunAndSayOnWhat() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mksim-stall-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try Self.scenario(in: dir, expectStall: false)
        let r = try Runner.run(try ScenarioFile.load(path: path).points()[0]).result
        #expect(r.stalledAt != nil)
        let waits = r.tasks.compactMap(\.waitsOn)
        #expect(waits.contains { $0.hasPrefix("futex 0x4000") } && waits.contains { $0.hasPrefix("barrier 7") }, "\(waits)")
        let run = try Repo.mksim(["run", path])
        #expect(run.status == 1 && run.stdout.contains("stalled: from") && run.stdout.contains("w[0] (kernel k) waits on futex 0x4000"), "\(run.status) \(run.stdout)")
        let check = try Repo.mksim(["check", path])
        #expect(check.status == 1 && check.stdout.contains("the run stalled"), "\(check.stdout)")
        // A scenario that shows a stall on purpose says so, and passes.
        let expected = try Self.scenario(in: dir, expectStall: true)
        #expect(try Repo.mksim(["check", expected]).status == 0)
    }
}
