import ArgumentParser
import Foundation
import SimReport
import SimScenario
import SimKernelModel

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a scenario and print a summary.",
        discussion: """
        Runs the scenario as written, or every point of its sweep one after another \
        (use `mksim sweep` to run them in parallel). Prints a summary per run, and a \
        table when there are several. `expect:` bounds are checked: a failure exits 1.
        """
    )

    @OptionGroup var scenario: ScenarioOptions

    @Option(help: "Write result.json (or one JSON per point and sweep.csv) into this folder.")
    var out: String?

    @Flag(help: "Print the JSON result(s) on standard output instead of the summary.")
    var json = false

    @Option(help: ArgumentHelp("Write what happens (task switches, interrupts, IPIs, messages, syscalls, locks, lifecycle) to this file as JSON Lines (docs/events.md).", valueName: "file"))
    var events: String?

    func run() throws {
        let points = try scenario.points()
        let outcomes = try events.map { try runObserved(points, log: $0) } ?? runPoints(points, jobs: 1, progress: false)
        if json {
            let value: JSONValue = outcomes.count == 1 ? outcomes[0].json : .array(outcomes.map(\.json))
            print(value.render())
        } else {
            for (i, o) in outcomes.enumerated() {
                if i > 0 { print("\n" + String(repeating: "-", count: 72) + "\n") }
                print(Summary.text(point: o.point, result: o.result))
            }
            if outcomes.count > 1 {
                print("\n" + Summary.sweepTable(outcomes.map { ($0.point, $0.result) }))
            }
        }
        if let out { try writeOutputs(outcomes, to: out) }
        if !reportExpectations(outcomes, quiet: true) { throw ExitCode(Exit.expectationFailed) }
    }
}

/// Runs points one after another, their observations into one JSON Lines file.
private func runObserved(_ points: [RunPoint], log path: String) throws -> [RunOutcome] {
    let log: EventLog
    do { log = try EventLog(path: path) } catch {
        printError("error: --events: \(error.localizedDescription)")
        throw ExitCode(Exit.badInput)
    }
    var outcomes: [RunOutcome] = []
    for (i, p) in points.enumerated() {
        log.startRun(point: p, index: i)
        do throws(ConfigurationError) { outcomes.append(try Runner.run(p, observer: log)) } catch {
            log.discard()
            printError("\(p.scenario.diagnostic(for: error))")
            throw ExitCode(Exit.badInput)
        }
    }
    do { try log.finish() } catch {
        printError("error: --events: \(error.localizedDescription)")
        throw ExitCode(Exit.badInput)
    }
    return outcomes
}

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run every point of a scenario's sweep in parallel; write CSV and JSON.",
        discussion: "Points run on --jobs host threads; results are the same whatever the job count."
    )

    @OptionGroup var scenario: ScenarioOptions

    @Option(help: "Host threads to use (default: all cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Folder for point-NNNN.json and sweep.csv.")
    var out: String = "out"

    func validate() throws {
        if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
    }

    func run() throws {
        let points = try scenario.points()
        let outcomes = try runPoints(points, jobs: jobs, progress: true)
        try writeOutputs(outcomes, to: out)
        print(Summary.sweepTable(outcomes.map { ($0.point, $0.result) }))
        print("\nwrote \(outcomes.count == 1 ? "result.json" : "\(outcomes.count) point files and sweep.csv") to \(out)")
        if !reportExpectations(outcomes, quiet: true) { throw ExitCode(Exit.expectationFailed) }
    }
}
