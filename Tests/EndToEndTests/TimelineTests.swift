import Foundation
import Testing

/// `mksim run --timeline`: the Perfetto trace is read back with Perfetto's own protos
/// (Tests/tools/check_timeline.py, PyPI's `perfetto` package in the venv `make deps` makes)
/// and its slices, flows and counters are checked against the run's result.
@Suite struct TimelineTests {
    static let python = Repo.path(".build-py/bin/python3")

    struct Checked: Decodable {
        var slices: [String: Int]
        var instants: [String: Int]
        var flows: Int
        var terminated_flows: Int
        var processes: [String]
        var cpu_tracks: [String]
        var problems: [String]
    }

    /// Runs `variant` of `file` (the quickstart) with `extra` timeline options, then the checker.
    static func traced(_ variant: String, _ extra: [String] = [], window: (Int, Int)? = nil,
                       file: String = "scenarios/quickstart.yaml") throws -> (Checked, Data) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mksim-timeline-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let trace = dir.appendingPathComponent("run.pftrace").path
        let run = try Repo.mksim(["run", file, "--variant", variant, "--timeline", trace, "--out", dir.path] + extra)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("timeline: \(trace):"), "the run says what it wrote: \(run.stderr)")
        guard FileManager.default.isExecutableFile(atPath: python) else {
            Issue.record("\(python) is missing: `make deps` makes the venv with Perfetto's protos")
            return (Checked(slices: [:], instants: [:], flows: 0, terminated_flows: 0, processes: [], cpu_tracks: [], problems: ["no checker"]), Data())
        }
        var args = [Repo.path("Tests/tools/check_timeline.py"), trace, dir.appendingPathComponent("result.json").path]
        if let window { args += [String(window.0), String(window.1)] }
        let check = try Repo.run(URL(fileURLWithPath: python), args)
        #expect(check.stderr.isEmpty, "\(check.stderr)")
        let checked = try JSONDecoder().decode(Checked.self, from: Data(check.stdout.utf8))
        return (checked, try Data(contentsOf: URL(fileURLWithPath: trace)))
    }

    @Test func theTraceMatchesTheResult() throws {
        // split: two kernels, IPIs and messages between them, rwsem waits under unlink1.
        let (c, _) = try Self.traced("split")
        #expect(c.problems.isEmpty, "\(c.problems)")
        #expect(c.processes == ["left", "right"])
        #expect(c.cpu_tracks.count == 8)
        #expect(c.slices["irq", default: 0] > 0 && c.slices["syscall", default: 0] > 0 && c.slices["lock", default: 0] > 0)
        #expect(c.flows > 0 && c.terminated_flows == c.flows, "every IPI and message arrow ends: \(c.flows) / \(c.terminated_flows)")
        // Tasks that switch (the checker holds the task slices against the context switches).
        let (fork, _) = try Self.traced("eevdf", file: "scenarios/sched/fork-heavy.yaml")
        #expect(fork.problems.isEmpty, "\(fork.problems)")
        #expect(fork.slices["task", default: 0] > 280, "\(fork.slices)")
    }

    @Test func aWindowAndAKernelFilterKeepLess() throws {
        let (all, _) = try Self.traced("split")
        let (windowed, _) = try Self.traced("split", ["--timeline-window", "100us..200us"], window: (100_000, 200_000))
        #expect(windowed.problems.isEmpty, "\(windowed.problems)")
        let total = { (c: Checked) in c.slices.values.reduce(0, +) }
        #expect(total(windowed) > 0 && total(windowed) < total(all) / 2, "\(total(windowed)) of \(total(all))")
        let (right, _) = try Self.traced("split", ["--timeline-kernels", "right"])
        #expect(right.processes == ["right"] && right.cpu_tracks.count == 4, "\(right.processes) \(right.cpu_tracks)")
    }

    @Test func sameRunSameBytes() throws {
        let (_, a) = try Self.traced("split")
        let (_, b) = try Self.traced("split")
        #expect(!a.isEmpty && a == b)
    }

    @Test func badTimelineOptionsExitTwoAndWriteNothing() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mksim-timeline-bad-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let trace = dir.appendingPathComponent("t.pftrace").path
        let cases: [([String], String)] = [
            (["--variant", "split", "--timeline", trace, "--timeline-window", "2ms..1ms"], "FROM < TO"),
            (["--timeline", trace], "a timeline shows one"),
            (["--variant", "split", "--timeline", trace, "--timeline-kernels", "middle"], "no kernel 'middle'"),
            (["--variant", "split", "--timeline-window", "1ms..2ms"], "need --timeline"),
        ]
        for (args, message) in cases {
            let r = try Repo.mksim(["run", "scenarios/quickstart.yaml"] + args)
            #expect(r.status == 2 && r.stderr.contains(message), "\(args): \(r.status) \(r.stderr)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty, "\(args) left a file")
        }
    }
}
