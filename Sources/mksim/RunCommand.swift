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

    @Option(help: ArgumentHelp("With --out, also write sweep-long.csv: one row per point and metric, the kernel or workload in a column (docs/results.md).", valueName: "wide|long"))
    var csv: SweepCSV.Shape = .wide

    @Flag(help: "Print the JSON result(s) on standard output instead of the summary.")
    var json = false

    @Option(help: ArgumentHelp("Write what happens (task switches, interrupts, IPIs, messages, syscalls, locks, lifecycle) to this file as JSON Lines (docs/events.md).", valueName: "file"))
    var events: String?

    @Option(help: ArgumentHelp("Write a Perfetto trace of the run (one point: choose it with --variant and --set) for ui.perfetto.dev (docs/timeline.md).", valueName: "file"))
    var timeline: String?

    @Option(name: .customLong("timeline-window"), help: ArgumentHelp("Keep only what begins in this window of simulated time, e.g. 1ms..2ms.", valueName: "from..to"))
    var timelineWindow: String?

    @Option(name: .customLong("timeline-kernels"), help: ArgumentHelp("Keep only the tracks of these kernels (comma-separated names).", valueName: "names"))
    var timelineKernels: String?

    func validate() throws {
        if csv == .long && out == nil { throw ValidationError("--csv long needs --out DIR (the CSV is written there)") }
        if timeline == nil && (timelineWindow != nil || timelineKernels != nil) {
            throw ValidationError("--timeline-window and --timeline-kernels need --timeline FILE")
        }
        if let w = timelineWindow, parseTimeWindow(w) == nil {
            throw ValidationError("--timeline-window: expected FROM..TO with durations and FROM < TO, like 1ms..2ms; got '\(w)'")
        }
    }

    func run() throws {
        let points = try scenario.points()
        let outcomes: [RunOutcome]
        if timeline != nil || events != nil {
            let options = try timeline.map { path in (path: path, options: try timelineOptions(points)) }
            outcomes = try runObserved(points, log: events, timeline: options)
        } else {
            outcomes = try runPoints(points, jobs: 1, progress: false)
        }
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
        if let out { try writeOutputs(outcomes, to: out, csv: csv) }
        if !reportExpectations(outcomes, quiet: true) { throw ExitCode(Exit.expectationFailed) }
    }
}

extension RunCommand {
    /// The timeline's window and kernels, checked against the scenario: one point only,
    /// kernels it has.
    func timelineOptions(_ points: [RunPoint]) throws -> PerfettoTimeline.Options {
        guard points.count == 1 else {
            printError("error: --timeline: the scenario has \(points.count) points; a timeline shows one: choose it with --variant and --set")
            throw ExitCode(Exit.badInput)
        }
        var options = PerfettoTimeline.Options()
        if let w = timelineWindow, let window = parseTimeWindow(w) { (options.from, options.to) = window }
        if let list = timelineKernels {
            let wanted = Set(list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            let known = Set(points[0].scenario.config.kernels.map(\.name))
            if let unknown = wanted.subtracting(known).sorted().first {
                printError("error: --timeline-kernels: the scenario has no kernel '\(unknown)' (it has \(known.sorted().joined(separator: ", ")))")
                throw ExitCode(Exit.badInput)
            }
            options.kernels = wanted
        }
        return options
    }
}

/// Runs points one after another, their observations into one JSON Lines file and (one
/// point) a Perfetto timeline. A run that fails leaves neither file.
private func runObserved(_ points: [RunPoint], log path: String?, timeline: (path: String, options: PerfettoTimeline.Options)?) throws -> [RunOutcome] {
    let log: EventLog?, trace: PerfettoTimeline?
    do {
        log = try path.map { try EventLog(path: $0) }
        trace = try timeline.map { try PerfettoTimeline(path: $0.path, options: $0.options) }
    } catch {
        printError("error: \(path != nil ? "--events" : "--timeline"): \(error.localizedDescription)")
        throw ExitCode(Exit.badInput)
    }
    let observers: [(any Observer)?] = [log, trace]
    let observer: any Observer = ObserverFanOut(observers.compactMap { $0 })
    var outcomes: [RunOutcome] = []
    for (i, p) in points.enumerated() {
        log?.startRun(point: p, index: i)
        do throws(ConfigurationError) { outcomes.append(try Runner.run(p, observer: observer, command: Provenance.commandLine)) } catch {
            log?.discard()
            trace?.discard()
            printError("\(p.diagnostic(for: error))")
            throw ExitCode(Exit.badInput)
        }
    }
    do {
        try log?.finish()
        try trace?.finish()
    } catch {
        printError("error: \(error.localizedDescription)")
        throw ExitCode(Exit.badInput)
    }
    if let trace, let timeline {
        let c = trace.counts
        printError("timeline: \(timeline.path): \(c.slices) slices, \(c.instants) instants, \(c.flows) flows, \(c.counterValues) counter values")
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

    @Option(help: ArgumentHelp("Also write sweep-long.csv: one row per point and metric, the kernel or workload in a column (docs/results.md).", valueName: "wide|long"))
    var csv: SweepCSV.Shape = .wide

    func validate() throws {
        if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
    }

    func run() throws {
        let points = try scenario.points()
        let outcomes = try runPoints(points, jobs: jobs, progress: true)
        try writeOutputs(outcomes, to: out, csv: csv)
        print(Summary.sweepTable(outcomes.map { ($0.point, $0.result) }))
        print("\nwrote \(outcomes.count == 1 ? "result.json" : "\(outcomes.count) point files and sweep.csv") to \(out)")
        if !reportExpectations(outcomes, quiet: true) { throw ExitCode(Exit.expectationFailed) }
    }
}
