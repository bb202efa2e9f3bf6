import Foundation
import Testing

@Suite struct CommandLineTests {
    @Test func quickstartRunsAndPrintsASummary() throws {
        let r = try Repo.mksim(["run", "scenarios/quickstart.yaml"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("quickstart  variant=smp"))
        #expect(r.stdout.contains("unlink throughput"))
    }

    @Test func versionNamesTheResultFormat() throws {
        let r = try Repo.mksim(["--version"])
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("mksim ") && r.stdout.contains("result format 1"), "\(r.stdout)")
    }

    @Test func badScenarioExitsTwoWithEveryError() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mksim-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("bad.yaml")
        try """
        mksim: 1
        name: bad
        machine: {preset: teaching-2s4c, frequency: 2}
        kernels: [{name: k, cpus: 9-12}]
        workloads: [{name: w, generate: {kind: syscall-loop, syscall: getpid, iterations: 1}}]
        """.write(to: file, atomically: true, encoding: .utf8)
        for command in ["run", "validate"] {
            let r = try Repo.mksim([command, file.path])
            #expect(r.status == 2)
            #expect(r.stderr.contains("bad.yaml:3:"))
            #expect(r.stderr.contains("bad.yaml:4:"))
            #expect(!r.stderr.contains("Fatal error"))
        }
        // No half-written output on failure.
        let out = dir.appendingPathComponent("out")
        _ = try Repo.mksim(["run", file.path, "--out", out.path])
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test func badArgumentsExitTwo() throws {
        #expect(try Repo.mksim(["run"]).status == 2)
        #expect(try Repo.mksim(["run", "scenarios/quickstart.yaml", "--set", "nonsense"]).status == 2)
        #expect(try Repo.mksim(["run", "scenarios/quickstart.yaml", "--set", "workloads.nope.threads=2"]).status == 2)
        #expect(try Repo.mksim(["run", "no-such-file.yaml"]).status == 2)
        #expect(try Repo.mksim(["machines", "no-such-machine"]).status == 2)
        #expect(try Repo.mksim(["frobnicate"]).status == 2)
    }

    /// The messages of issue 16's list, each saying what is wrong in words (exit 2).
    @Test func badInputMessagesSayWhatIsWrong() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mksim-messages-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("a-file").path
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        let cases: [([String], String)] = [
            (["validate", dir.path], "is a folder, not a scenario file"),
            (["validate", "/dev/null"], "missing required key 'mksim'"),
            (["run", "scenarios/quickstart.yaml", "--seed", "-1"], "-1"),
            (["run", "scenarios/quickstart.yaml", "--set", "duration=1000000000s"], "(set by --set) '1000000000s' is beyond the largest duration mksim represents"),
            (["run", "scenarios/quickstart.yaml", "--set", "machine.coherence.transfer.socket=-5ns"], "a duration cannot be negative"),
            (["run", "scenarios/quickstart.yaml", "--variant", "split", "--out", file + "/sub"], "is a file, not a folder"),
        ]
        for (args, message) in cases {
            let r = try Repo.mksim(args)
            #expect(r.status == 2 && r.stderr.contains(message), "\(args): \(r.status) \(r.stderr)")
            #expect(!r.stderr.contains("NSCocoaErrorDomain") && !r.stderr.contains("Missing value") && !r.stderr.contains("permission"), "\(r.stderr)")
        }
    }

    /// SIGTERM (or ^C) in the middle of `trace convert` leaves no temporary file behind and
    /// exits 143 (128 + SIGTERM), as a process the signal killed (issue 16, item 4).
    @Test func anInterruptedConversionLeavesNoTemporaryFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mksim-interrupt-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let trace = dir.appendingPathComponent("big.mktrace").path
        #expect(try Repo.mksim(["trace", "synth", trace, "--records", "3000000"]).status == 0)
        let p = Process()
        p.executableURL = Repo.executable
        p.arguments = ["trace", "convert", trace, dir.appendingPathComponent("big.txt").path, "--to", "text"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        Thread.sleep(forTimeInterval: 0.5)  // the text form of 12 M records takes ~4 s on this VM
        p.terminate()
        p.waitUntilExit()
        #expect(p.terminationStatus == 143, "\(p.terminationStatus)")
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0 != "big.mktrace" }
        #expect(left.isEmpty, "left behind: \(left)")
    }

    /// Regression: a list given to --set crashed the parameter printer.
    @Test func setAcceptsListsAndMappings() throws {
        let r = try Repo.mksim(["run", "scenarios/micro/ping-pong.yaml", "--set", "workloads.ping.pin=[0, 5]",
                                "--set", "machine.coherence.transfer={socket: 50ns}", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains(#""workloads.ping.pin": "[0, 5]""#))
        #expect(r.stdout.contains(#""machine.coherence.transfer": "{socket: 50ns}""#))
    }

    @Test func failedExpectationExitsOne() throws {
        let r = try Repo.mksim(["run", "scenarios/bench/ipi-ring.yaml", "--set", "duration=1ms", "--set", "machine.cores_per_socket=8"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("expect FAIL: workloads.ring.ops"))
    }

    @Test func machinesListsPresetsAndPrintsYAML() throws {
        let list = try Repo.mksim(["machines"])
        #expect(list.status == 0)
        for name in ["xeon-gold-6242-2s", "epyc-7742-2s", "teaching-2s4c"] { #expect(list.stdout.contains(name)) }
        let one = try Repo.mksim(["machines", "epyc-7742-2s"])
        #expect(one.stdout.contains("cores_per_cluster: 4"))
        #expect(one.stdout.contains("# sources:"))
    }

    @Test func jsonOutputIsIdenticalBetweenRunsApartFromHost() throws {
        let a = try Repo.mksim(["run", "scenarios/quickstart.yaml", "--json"])
        let b = try Repo.mksim(["run", "scenarios/quickstart.yaml", "--json"])
        #expect(a.status == 0 && b.status == 0)
        func strip(_ s: String) -> String {
            // Drop the host objects: each is the last key of a result.
            s.components(separatedBy: "\n").filter { !$0.contains("\"wall_s\"") && !$0.contains("\"events_per_s\"") }.joined(separator: "\n")
        }
        #expect(strip(a.stdout) == strip(b.stdout))
        #expect(a.stdout.contains("\"scenario\": \"quickstart\""))
    }

    @Test func outWritesJSONAndCSV() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mksim-out-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Repo.mksim(["sweep", "scenarios/quickstart.yaml", "--out", dir.path, "--jobs", "2", "--csv", "long"])
        #expect(r.status == 0, "\(r.stderr)")
        let csv = try String(contentsOf: dir.appendingPathComponent("sweep.csv"), encoding: .utf8)
        let rows = csv.split(separator: "\n")
        #expect(rows.count == 3)
        #expect(rows[0].hasPrefix("point,scenario,variant,"))
        #expect(rows[0].contains("workloads.unlink.throughput_per_s"))
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("point-0002.json").path))
        // The long form: one row per point and metric, as many as the wide form's metric cells.
        let long = try String(contentsOf: dir.appendingPathComponent("sweep-long.csv"), encoding: .utf8).split(separator: "\n")
        #expect(long[0].hasPrefix("point,scenario,variant,seed,scope,name,metric,value,"))
        #expect(long.contains { $0.hasPrefix("1,quickstart,smp,1,workload,unlink,throughput_per_s,") })
        // Provenance: the file's SHA-256 and the command.
        let point = try String(contentsOf: dir.appendingPathComponent("point-0001.json"), encoding: .utf8)
        // An independent SHA-256: coreutils' sha256sum.
        let sum = Process(), pipe = Pipe()
        sum.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        sum.arguments = [Repo.root.appendingPathComponent("scenarios/quickstart.yaml").path]
        sum.standardOutput = pipe
        try sum.run()
        let digest = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).prefix(64)
        sum.waitUntilExit()
        #expect(point.contains("\"provenance\": {"))
        #expect(point.contains("\"command\": \"mksim sweep scenarios/quickstart.yaml --out"))
        #expect(point.contains("\"scenario_sha256\": \"" + digest + "\""))
    }
}

@Suite struct SweepParallelismTests {
    /// `mksim sweep` promises the same results whatever --jobs is.
    @Test func resultsDoNotDependOnTheJobCount() throws {
        let one = FileManager.default.temporaryDirectory.appendingPathComponent("mksim-j1-\(UUID().uuidString)")
        let two = FileManager.default.temporaryDirectory.appendingPathComponent("mksim-j2-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: one); try? FileManager.default.removeItem(at: two) }
        #expect(try Repo.mksim(["sweep", "scenarios/quickstart.yaml", "--jobs", "1", "--out", one.path]).status == 0)
        #expect(try Repo.mksim(["sweep", "scenarios/quickstart.yaml", "--jobs", "2", "--out", two.path]).status == 0)
        // The last column, the command line (provenance), names --jobs and --out: drop it.
        func withoutCommand(_ dir: URL) throws -> [Substring] {
            try String(contentsOf: dir.appendingPathComponent("sweep.csv"), encoding: .utf8)
                .split(separator: "\n").map { line in line.range(of: ",mksim ", options: .backwards).map { line[..<$0.lowerBound] } ?? line }
        }
        let a = try withoutCommand(one), b = try withoutCommand(two)
        #expect(a.count > 1 && a.first!.hasSuffix(",scenario_sha256,command"))
        #expect(a == b)
    }
}
