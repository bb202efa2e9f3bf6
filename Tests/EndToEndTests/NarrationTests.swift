import Foundation
import Testing

/// `mksim run --narrate` and `mksim step`, read as a student reads them: the sentences
/// agree with the result's counters, come in time order, honour the filters, and step
/// mode's commands do what they say and end in the same result as `mksim run`.
@Suite struct NarrationTests {
    /// The narrated lines of a run's output (before the summary): (time in ns, text).
    private func told(_ stdout: String) -> [(ns: Double, text: String)] {
        stdout.split(separator: "\n").compactMap { line in
            let t = line.trimmingCharacters(in: .whitespaces)
            guard let mu = t.range(of: " µs  "), let us = Double(t[..<mu.lowerBound]) else { return nil }
            return (us * 1000, String(t[mu.upperBound...]))
        }
    }

    private func json(_ args: [String]) throws -> [String: Any] {
        let r = try Repo.mksim(["run"] + args + ["--json"])
        return try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
    }

    @Test func everyMessageIsToldAtItsSendAndItsDelivery() throws {
        let r = try Repo.mksim(["run", "scenarios/quickstart.yaml", "--variant", "split", "--narrate", "--narrate-kinds", "message,ipi"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = told(r.stdout)
        let link = (try json(["scenarios/quickstart.yaml", "--variant", "split"])["channels"] as! [String: [String: [String: Any]]])["link"]!
        let direction = link["left->right"]!
        let sends = lines.filter { $0.text.contains("sends a data message to kernel right on channel link") }
        let deliveries = lines.filter { $0.text.contains("takes the data message from kernel left off channel link") }
        #expect(sends.count == direction["sent"] as! Int)
        #expect(deliveries.count == direction["delivered"] as! Int)
        #expect(sends.count == 200)
        // Each delivery says how long after its send it came; IPIs name their sender.
        #expect(deliveries.allSatisfy { $0.text.contains(" after it was sent") })
        let received = lines.filter { $0.text.contains("receives IPI 0x40") }
        #expect(!received.isEmpty && received.allSatisfy { $0.text.contains("from CPU 3: a message on channel link") })
        #expect(zip(lines, lines.dropFirst()).allSatisfy { $0.ns <= $1.ns }, "narration out of time order")
        // The summary follows the story.
        #expect(r.stdout.contains("quickstart  variant=split"))
    }

    /// Tutorial lesson 5: under each transport the narration names every message's send and
    /// its delivery, and IPIs only where the transport sends them.
    @Test(arguments: ["linux", "urpc", "popcorn"])
    func lessonFiveTellsEveryMessage(_ transport: String) throws {
        let r = try Repo.mksim(["run", "scenarios/tutorial/05-messages.yaml", "--variant", transport, "--narrate"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = told(r.stdout)
        #expect(lines.filter { $0.text.hasSuffix("(kernel left) sends a data message to kernel right on channel link") }.count == 200)
        #expect(lines.filter { $0.text.contains("(kernel right) takes the data message from kernel left off channel link") }.count == 200)
        let ipis = lines.filter { $0.text.contains("receives IPI") }.count
        #expect(transport == "urpc" ? ipis == 0 : ipis == 200)
    }

    /// Every lesson of the tutorial is a page and a scenario, and the page names its scenario.
    @Test func everyLessonHasItsPageAndScenario() throws {
        let scenarios = try FileManager.default.contentsOfDirectory(atPath: Repo.path("scenarios/tutorial")).filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(scenarios.count == 8)
        for s in scenarios {
            let page = Repo.path("docs/tutorial/" + s.replacingOccurrences(of: ".yaml", with: ".md"))
            let text = try String(contentsOfFile: page, encoding: .utf8)
            #expect(text.contains("scenarios/tutorial/\(s)"), "\(page)")
            #expect(text.contains("## Questions") && text.contains("Checked by the scenario"), "\(page)")
        }
        let index = try String(contentsOfFile: Repo.path("docs/tutorial/README.md"), encoding: .utf8)
        for s in scenarios { #expect(index.contains("(" + s.replacingOccurrences(of: ".yaml", with: ".md") + ")"), "\(s)") }
    }

    @Test func filtersKeepOnlyWhatWasAskedFor() throws {
        let r = try Repo.mksim(["run", "scenarios/quickstart.yaml", "--variant", "split", "--narrate", "--narrate-level", "3",
                                "--narrate-kernels", "right", "--narrate-cpus", "5"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = told(r.stdout)
        #expect(lines.count > 100)
        #expect(lines.allSatisfy { $0.text.hasPrefix("CPU 5 (kernel right)") })
        // Level 3 tells lock releases; locks made during the run are told by name.
        #expect(lines.contains { $0.text.contains("releases lock right.") })
        #expect(!lines.contains { $0.text.contains("lock #") })
    }

    @Test func aPanicIsToldAndItsPeerGoesOn() throws {
        let r = try Repo.mksim(["run", "scenarios/multikernel/panic.yaml", "--variant", "panic", "--narrate", "--narrate-kinds", "kernel,message"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = told(r.stdout)
        let panic = try #require(lines.first { $0.text == "kernel spawn panics: its CPUs stop, its tasks are lost" })
        #expect(panic.ns == 10_000_000)
        #expect(lines.contains { $0.text == "kernel spawn is active: its tasks can start" && $0.ns < panic.ns })
        // The host keeps sending after the panic; nothing is delivered to spawn any more.
        #expect(lines.contains { $0.ns > panic.ns && $0.text.contains("(kernel host) sends") })
        #expect(!lines.contains { $0.ns > panic.ns + 1_000 && $0.text.contains("(kernel spawn) takes") })
    }

    @Test func badNarrationOptionsAreBadInput() throws {
        let cases: [([String], String)] = [
            (["--narrate", "--narrate-level", "4"], "--narrate-level: expected 1, 2 or 3"),
            (["--narrate", "--narrate-kernels", "middle"], "no kernel 'middle' (it has all, left, right)"),
            (["--narrate", "--narrate-kinds", "ipis"], "no kind 'ipis'"),
            (["--narrate", "--narrate-cpus", "9"], "CPU 9 does not exist"),
            (["--narrate-level", "2"], "need --narrate"),
            (["--narrate", "--json"], "choose one"),
        ]
        for (args, message) in cases {
            let r = try Repo.mksim(["run", "scenarios/quickstart.yaml"] + args)
            #expect(r.status == 2, "\(args)")
            #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
        }
    }

    // MARK: Step mode

    /// The transcript of each command: the lines after its echo, up to the next one.
    private func transcript(_ stdout: String) -> [(command: String, output: [String])] {
        var out: [(command: String, output: [String])] = []
        for line in stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("(mksim) ") { out.append((String(line.dropFirst(8)), [])) } else if !out.isEmpty { out[out.count - 1].output.append(line) }
        }
        return out
    }

    @Test func stepModeDoesWhatItsCommandsSay() throws {
        let input = ["next 3", "until message", "cpu 3", "kernel right", "until 20us", "time", "task 6", "lock left.tmp_dir_i_rwsem", "run"]
        let r = try Repo.mksim(["step", "scenarios/quickstart.yaml", "--variant", "split"], input: input.joined(separator: "\n") + "\n")
        #expect(r.status == 0, "\(r.stderr)")
        let steps = transcript(r.stdout)
        #expect(steps.map(\.command) == input)
        // next 3: exactly three lines told.
        #expect(told(steps[0].output.joined(separator: "\n")).count == 3)
        // until message: stops on the first message, the notify task's first send.
        #expect(steps[1].output.last?.contains("CPU 3 (kernel left) sends a data message to kernel right on channel link") == true)
        #expect(steps[2].output.first?.hasPrefix("CPU 3 (kernel left): runs task 6 (notify) in user code") == true)
        #expect(steps[3].output.first?.hasPrefix("kernel right: active; CPUs 4-7; tasks: ") == true)
        // until 20us: what it tells is later than the message and not after 20 µs, in order.
        let upTo20 = told(steps[4].output.joined(separator: "\n"))
        #expect(!upTo20.isEmpty && upTo20.allSatisfy { $0.ns <= 20_000 })
        #expect(zip(upTo20, upTo20.dropFirst()).allSatisfy { $0.ns <= $1.ns })
        #expect(steps[5].output.first?.hasPrefix("time ") == true && steps[5].output.first?.contains("next event at 20.") == true)
        #expect(steps[6].output.first?.hasPrefix("task 6 (notify, kernel left): ") == true)
        #expect(steps[7].output.first?.hasPrefix("lock left.tmp_dir_i_rwsem (rwsem): ") == true)
        #expect(steps[7].output.dropFirst().first?.hasPrefix("  line left.tmp_dir_i_rwsem: ") == true)
        // run: the summary is the one `mksim run` prints for the same point.
        let plain = try Repo.mksim(["run", "scenarios/quickstart.yaml", "--variant", "split"])
        let summary = steps[8].output.drop { !$0.hasPrefix("quickstart  variant=split") }
        func withoutHost(_ lines: [String]) -> [String] { lines.filter { !$0.contains("wall") && !$0.isEmpty } }
        #expect(withoutHost(Array(summary)) == withoutHost(plain.stdout.split(separator: "\n").map(String.init)))
    }

    @Test func stepModeRefusesWhatItCannotDo() throws {
        let bad = try Repo.mksim(["step", "scenarios/quickstart.yaml", "--variant", "split"], input: "next\nfly 3\nnext\n")
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("standard input, line 2: unknown command 'fly': try help"), "\(bad.stderr)")
        let badTime = try Repo.mksim(["step", "scenarios/quickstart.yaml", "--variant", "split"], input: "until 20 parsecs\n")
        #expect(badTime.status == 2 && badTime.stderr.contains("at most one argument"), "\(badTime.stderr)")
        let badCPU = try Repo.mksim(["step", "scenarios/quickstart.yaml", "--variant", "split"], input: "cpu 8\n")
        #expect(badCPU.status == 2 && badCPU.stderr.contains("a CPU number from 0 to 7"), "\(badCPU.stderr)")
        // Several points: the first, and a note on how to choose another.
        let points = try Repo.mksim(["step", "scenarios/quickstart.yaml"], input: "kernels\n")
        #expect(points.status == 0 && points.stderr.contains("this is point 1 (variant=smp); choose another with --variant"), "\(points.stderr)")
        #expect(points.stdout.contains("kernel all: active; CPUs 0-7"))
    }

    @Test func stepModeFollowsAPanic() throws {
        let r = try Repo.mksim(["step", "scenarios/multikernel/panic.yaml", "--variant", "panic", "--narrate-kinds", "kernel"],
                               input: "until kernel\nuntil kernel\nuntil kernel\nkernel spawn\nkernel host\ncpu 5\n")
        #expect(r.status == 0, "\(r.stderr)")
        let steps = transcript(r.stdout)
        #expect(steps[0].output.last?.hasSuffix("kernel spawn is loaded by kexec and starts booting") == true)
        #expect(steps[1].output.last?.hasSuffix("kernel spawn is active: its tasks can start") == true)
        #expect(steps[2].output.last?.contains("10000.000 µs  kernel spawn panics") == true)
        #expect(steps[3].output.first?.hasPrefix("kernel spawn: panicked") == true)
        #expect(steps[4].output.first?.hasPrefix("kernel host: active") == true)
        #expect(steps[5].output.first?.hasPrefix("CPU 5 (kernel spawn): halted") == true)
    }
}
