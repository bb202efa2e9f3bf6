import ArgumentParser
import Foundation
import SimReport
import SimScenario

/// Options shared by the commands that run a scenario.
struct ScenarioOptions: ParsableArguments {
    @Argument(help: "The scenario file (YAML).")
    var file: String

    @Option(name: .customLong("set"), parsing: .unconditionalSingleValue,
            help: ArgumentHelp("Override a value: a dotted key path and a value, like workloads.unlink.threads=8 or machine.frequency=3GHz. Repeatable. Setting a sweep axis fixes it.", valueName: "key=value"))
    var overrides: [String] = []

    @Option(parsing: .unconditional, help: "Override the scenario's seed (0 to 2^64 - 1).")
    var seed: UInt64?

    @Option(help: "Run one variant of the file (when the sweep has no variant axis, or to fix it).")
    var variant: String?

    @Option(help: ArgumentHelp("The most host memory a model may take, like 16GiB (default 1GiB); larger models are refused before they are built.", valueName: "size"))
    var maxMemory: MemorySize?

    /// Loads the file and expands its points; bad input prints every diagnostic and exits 2.
    func points() throws -> [RunPoint] { try pointsAndSweepKeys().points }

    /// The points, and the file's sweep keys (which of a point's values label it in `check`),
    /// from one read of the file.
    func pointsAndSweepKeys() throws -> (points: [RunPoint], sweepKeys: [String]) {
        var sets: [(key: String, value: YNode)] = []
        for o in overrides {
            guard let eq = o.firstIndex(of: "="), eq != o.startIndex else {
                printError("error: --set '\(o)': expected key=value, like workloads.unlink.threads=8")
                throw ExitCode(Exit.badInput)
            }
            sets.append((String(o[..<eq]), YNode.commandLine(String(o[o.index(after: eq)...]))))
        }
        if let seed { sets.append(("seed", YNode(.scalar(String(seed), plain: true)))) }
        do {
            let file = try ScenarioFile.load(path: file)
            var points = try file.points(overrides: sets, variant: variant)
            if let maxMemory { for i in points.indices { points[i].scenario.config.memoryLimit = maxMemory.bytes } }
            return (points, file.sweep.map(\.key))
        } catch {
            printError(error.description)
            throw ExitCode(Exit.badInput)
        }
    }
}

extension ScenarioOptions {
    /// The point a one-point command (`step`, `show`) runs: the only one, or the first with a
    /// note saying how to choose another.
    func onePoint(for command: String) throws -> [RunPoint] {
        let points = try points()
        if points.count > 1 {
            printError("note: \(command): the scenario has \(points.count) points; this is point 1 (\(CheckSupport.label(points[0], sweepKeys: points[0].params.map(\.key)))); choose another with --variant and --set")
        }
        return Array(points.prefix(1))
    }
}

/// `--max-memory 16GiB`.
struct MemorySize: ExpressibleByArgument {
    var bytes: UInt64
    init?(argument: String) {
        guard let b = parseSize(argument), b > 0 else { return nil }
        bytes = b
    }
}

/// Runs points, reporting configuration problems as bad input.
func runPoints(_ points: [RunPoint], jobs: Int, progress: Bool, finished: (@Sendable (Int, RunOutcome) -> Void)? = nil) throws -> [RunOutcome] {
    var bar: (@Sendable (Int, Int) -> Void)?
    if progress {
        let line = ProgressLine(unit: "points done")
        bar = { (done: Int, total: Int) in line.report(done: done, total: total) }
    }
    var outcomes: [RunOutcome] = []
    for (i, r) in Runner.runAll(points, jobs: jobs, command: Provenance.commandLine, progress: bar, finished: finished).enumerated() {
        switch r {
        case .success(let o): outcomes.append(o)
        case .failure(let e):
            printError("\(points[i].diagnostic(for: e))")
            throw ExitCode(Exit.badInput)
        }
    }
    return outcomes
}

/// Writes results into `--out`: one JSON per point (result.json alone), sweep.csv when
/// several, and with `--csv long` sweep-long.csv (one point or several).
func writeOutputs(_ outcomes: [RunOutcome], to dir: String, csv: SweepCSV.Shape = .wide) throws {
    do {
        if outcomes.count == 1 {
            try AtomicFile.write(outcomes[0].json.render() + "\n", to: dir + "/result.json")
        } else {
            for (i, o) in outcomes.enumerated() {
                try AtomicFile.write(o.json.render() + "\n", to: dir + String(format: "/point-%04d.json", i + 1))
            }
            try AtomicFile.write(SweepCSV.make(outcomes.map { ($0.point, $0.json) }), to: dir + "/" + SweepCSV.Shape.wide.fileName)
        }
        if csv == .long {
            try AtomicFile.write(SweepCSV.make(outcomes.map { ($0.point, $0.json) }, shape: .long), to: dir + "/" + SweepCSV.Shape.long.fileName)
        }
        try keepScenario(of: outcomes.first?.point, in: dir)
    } catch {
        printError("error: cannot write results to \(dir): \(pathProblem(dir) ?? error.localizedDescription)")
        throw ExitCode(Exit.badInput)
    }
}

/// The scenario beside its results, so that the folder (and `mksim report`) says what was
/// run after the file has changed; only the text whose SHA-256 they carry.
func keepScenario(of point: RunPoint?, in dir: String) throws {
    if let point, let text = try? String(contentsOfFile: point.file, encoding: .utf8), ScenarioFile.sha256(of: text) == point.fileSHA256 {
        try AtomicFile.write(text, to: dir + "/scenario.yaml")
    }
}

/// A sweep's CSVs (and its scenario) from every point's result; the point files are written
/// as the points finish (`SweepFolder`). One point has no sweep.csv, as in `writeOutputs`.
func writeSweepFiles(_ results: [any PointResult], to dir: String, csv: SweepCSV.Shape) throws {
    do {
        let rows = results.map { ($0.point, $0.json) }
        if rows.count > 1 { try AtomicFile.write(SweepCSV.make(rows), to: dir + "/" + SweepCSV.Shape.wide.fileName) }
        if csv == .long { try AtomicFile.write(SweepCSV.make(rows, shape: .long), to: dir + "/" + SweepCSV.Shape.long.fileName) }
        try keepScenario(of: results.first?.point, in: dir)
    } catch {
        printError("error: cannot write results to \(dir): \(pathProblem(dir) ?? error.localizedDescription)")
        throw ExitCode(Exit.badInput)
    }
}

/// Why a folder cannot be made at `path`, in words: an ancestor that is a file.
func pathProblem(_ path: String) -> String? {
    var url = URL(fileURLWithPath: path).standardized
    var isDirectory: ObjCBool = false
    while url.path != "/" {
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            return isDirectory.boolValue ? nil : "'\(url.path)' is a file, not a folder"
        }
        url = url.deletingLastPathComponent()
    }
    return nil
}

/// Prints expectation results; returns false when one failed.
func reportExpectations<R: PointResult>(_ outcomes: [R], quiet: Bool) -> Bool {
    var ok = true
    for o in outcomes {
        for c in ExpectationCheck.check(o, among: outcomes) {
            if !c.passed { ok = false }
            if !quiet || !c.passed {
                let label = [o.point.variant].compactMap { $0 } + o.point.params.map { "\($0.key)=\($0.value)" }
                printError("expect \(c.passed ? "PASS" : "FAIL"): \(c.message)\(label.isEmpty ? "" : "  [" + label.joined(separator: " ") + "]")")
            }
        }
    }
    return ok
}

extension SweepCSV.Shape: ExpressibleByArgument {}
