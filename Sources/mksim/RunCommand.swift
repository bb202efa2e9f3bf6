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

    @Flag(help: "Tell what happens as it happens, in plain sentences with times, before the summary (docs/tutorial/README.md).")
    var narrate = false

    @OptionGroup(title: "Narration") var narration: NarrationArguments

    func validate() throws {
        if narration.given && !narrate { throw ValidationError("--narrate-level, --narrate-kernels, --narrate-cpus and --narrate-kinds need --narrate") }
        if narrate && json { throw ValidationError("--narrate and --json both write to standard output; choose one") }
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
        if timeline != nil || events != nil || narrate {
            let options = try timeline.map { path in (path: path, options: try timelineOptions(points)) }
            let narrator = try narrate ? Narrator(options: narration.options(for: points, defaultLevel: 1)) { print($0) } : nil
            outcomes = try runObserved(points, log: events, timeline: options, narrator: narrator)
            if narrator != nil { print("") }
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
                print("\n" + Summary.sweepTable(outcomes))
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
private func runObserved(_ points: [RunPoint], log path: String?, timeline: (path: String, options: PerfettoTimeline.Options)?,
                         narrator: Narrator? = nil) throws -> [RunOutcome] {
    let log: EventLog?, trace: PerfettoTimeline?
    do {
        log = try path.map { try EventLog(path: $0) }
        trace = try timeline.map { try PerfettoTimeline(path: $0.path, options: $0.options) }
    } catch {
        printError("error: \(path != nil ? "--events" : "--timeline"): \(error.localizedDescription)")
        throw ExitCode(Exit.badInput)
    }
    let observers: [(any Observer)?] = [log, trace, narrator]
    let observer: any Observer = ObserverFanOut(observers.compactMap { $0 })
    var outcomes: [RunOutcome] = []
    for (i, p) in points.enumerated() {
        log?.startRun(point: p, index: i)
        narrator?.startRun(point: p, index: i, of: points.count)
        do throws(ConfigurationError) { outcomes.append(try Runner.run(p, observer: observer, command: Provenance.commandLine)) } catch {
            log?.discard()
            trace?.discard()
            printError("\(p.diagnostic(for: error))")
            throw ExitCode(Exit.badInput)
        }
    }
    narrator?.finish()
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
        discussion: """
        Points run on --jobs host threads; results are the same whatever the job count. Each \
        point's JSON is written as soon as it finishes, sweep.csv at the end: an interrupted \
        sweep keeps its finished points, and --resume runs only the others. --shard I/N runs \
        every N-th point (a Slurm job array's task, a GNU parallel job); `mksim merge` joins \
        the shards into what one sweep writes (examples/slurm/).
        """
    )

    @OptionGroup var scenario: ScenarioOptions

    @Option(help: "Host threads to use (default: all cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Folder for point-NNNN.json and sweep.csv.")
    var out: String = "out"

    @Option(help: ArgumentHelp("Also write sweep-long.csv: one row per point and metric, the kernel or workload in a column (docs/results.md).", valueName: "wide|long"))
    var csv: SweepCSV.Shape = .wide

    @Option(help: ArgumentHelp("Run only points I, I+N, I+2N … (I from 0): one shard of N; join them with mksim merge.", valueName: "I/N"))
    var shard: ShardOption?

    @Flag(help: "Keep the points already in --out (same scenario text, mksim version and point) and run the rest.")
    var resume = false

    func validate() throws {
        if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
    }

    func run() throws {
        let points = try scenario.points()
        if points.count == 1 && shard == nil && !resume {
            let outcomes = try runPoints(points, jobs: jobs, progress: true)
            try writeOutputs(outcomes, to: out, csv: csv)
            print(Summary.sweepTable(outcomes))
            print("\nwrote result.json to \(out)")
            if !reportExpectations(outcomes, quiet: true) { throw ExitCode(Exit.expectationFailed) }
            return
        }
        let folder = SweepFolder(path: out, points: points.count)
        let mine = points.indices.filter { i in shard.map { i % $0.count == $0.index } ?? true }
        var stored: [Int: JSONValue] = [:]
        if resume {
            do throws(SweepFolder.Problem) {
                for i in mine { if let json = try folder.finished(points[i], index: i) { stored[i] = json } }
            } catch {
                printError("error: --resume: \(error.description)")
                throw ExitCode(Exit.badInput)
            }
            print("resuming: \(stored.count) of \(mine.count) points already in \(out)")
        }
        if let shard {
            // Written first: a shard that is interrupted can be resumed, and merge can tell
            // which shards it holds.
            let manifest = ShardManifest(shard: shard.index, of: shard.count, points: points.count,
                                         scenarioFile: URL(fileURLWithPath: scenario.file).standardized.path, scenarioSHA256: points[0].fileSHA256,
                                         overrides: scenario.overrides, seed: scenario.seed, variant: scenario.variant)
            do { try AtomicFile.write(manifest.json.render() + "\n", to: out + "/" + ShardManifest.fileName) } catch {
                printError("error: cannot write results to \(out): \(pathProblem(out) ?? error.localizedDescription)")
                throw ExitCode(Exit.badInput)
            }
        }
        let todo = mine.filter { stored[$0] == nil }
        let failures = WriteFailures()
        let fresh = try runPoints(todo.map { points[$0] }, jobs: jobs, progress: true) { k, outcome in
            do { try folder.write(outcome.json, index: todo[k]) } catch { failures.add(pathProblem(out) ?? error.localizedDescription) }
        }
        if let problem = failures.first {
            printError("error: cannot write results to \(out): \(problem)")
            throw ExitCode(Exit.badInput)
        }
        var results: [any PointResult] = []
        for i in mine {
            if let k = todo.firstIndex(of: i) { results.append(fresh[k]) } else { results.append(StoredPoint(point: points[i], json: stored[i]!)) }
        }
        print(Summary.sweepTable(results))
        if let shard {
            try keepScenario(of: points.first, in: out)
            print("\nshard \(shard.index)/\(shard.count): wrote \(todo.count) of its \(mine.count) point files to \(out); when every shard is done: mksim merge SHARD_FOLDERS... --out DIR")
        } else {
            try writeSweepFiles(results, to: out, csv: csv)
            print("\nwrote \(results.count == 1 ? "result.json" : "\(results.count) point files and sweep.csv") to \(out)" + (stored.isEmpty ? "" : " (\(stored.count) kept from before)"))
        }
        if !reportExpectations(results.map { StoredPoint(point: $0.point, json: $0.json) }, quiet: true) { throw ExitCode(Exit.expectationFailed) }
    }
}

/// `--shard I/N`.
struct ShardOption: ExpressibleByArgument {
    var index: Int
    var count: Int

    init?(argument: String) {
        let parts = argument.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, n <= 1 << 20, i >= 0, i < n else { return nil }
        index = i
        count = n
    }
}

/// Problems writing point files from the worker threads, reported when the sweep ends.
final class WriteFailures: @unchecked Sendable {
    private var problems: [String] = []
    private let lock = NSLock()
    func add(_ p: String) { lock.lock(); problems.append(p); lock.unlock() }
    var first: String? { lock.lock(); defer { lock.unlock() }; return problems.first }
}
