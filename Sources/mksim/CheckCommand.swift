import ArgumentParser
import Foundation
import SimReport
import SimScenario

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "CI: run scenarios, check their expect: bounds and compare with a baseline.",
        discussion: """
        Runs every point of every file (in parallel), checks each `expect:` bound, and with \
        --baseline compares every metric of every point with the stored one: a metric that \
        moved by more than --tolerance is a regression. Each failure prints the command that \
        reproduces it. Exit 0 when all pass, 1 on a failure, 2 on bad input.

          mksim check scenarios/*.yaml --baseline ci/baseline.json --update-baseline   # record
          mksim check scenarios/*.yaml --baseline ci/baseline.json --junit report.xml # check
        """
    )

    @Argument(help: "Scenario files.")
    var files: [String]

    @Option(help: "Baseline results file (JSON) to compare with, or to write with --update-baseline.")
    var baseline: String?

    @Option(help: "Largest relative change of a metric that is not a regression, like 2% or 0.02.")
    var tolerance: String = "0%"

    @Flag(help: "Write the current results as the baseline instead of comparing.")
    var updateBaseline = false

    @Option(help: "Write a JUnit XML report here.")
    var junit: String?

    @Option(name: .customLong("set"), parsing: .unconditionalSingleValue,
            help: ArgumentHelp("Override a value in every file, as in `mksim run`.", valueName: "key=value"))
    var overrides: [String] = []

    @Option(help: "Override every file's seed.")
    var seed: UInt64?

    @Option(help: "Check one variant of each file (when its sweep has no variant axis, or to fix it).")
    var variant: String?

    @Option(help: "Host threads to use (default: all cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        if CheckSupport.tolerance(tolerance) == nil { throw ValidationError("--tolerance: expected a fraction like 2% or 0.02, got '\(tolerance)'") }
        if updateBaseline && baseline == nil { throw ValidationError("--update-baseline needs --baseline FILE") }
        if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
    }

    func run() throws {
        let tol = CheckSupport.tolerance(tolerance)!
        var stored = Baseline()
        // --update-baseline merges into an existing baseline: files not checked now keep theirs.
        if let baseline, !updateBaseline || FileManager.default.fileExists(atPath: baseline) {
            guard let text = try? String(contentsOfFile: baseline, encoding: .utf8) else {
                printError("error: cannot read the baseline \(baseline) (record one with --update-baseline)")
                throw ExitCode(Exit.badInput)
            }
            do { stored = try Baseline(text: text, file: baseline) } catch {
                printError(error.description)
                throw ExitCode(Exit.badInput)
            }
        }
        var cases: [CheckCase] = []
        var fresh = stored
        for file in files {
            var args = [file] + overrides.flatMap { ["--set", $0] }
            if let seed { args += ["--seed", "\(seed)"] }
            if let variant { args += ["--variant", variant] }
            let options = try ScenarioOptions.parse(args)
            let (points, sweepKeys) = try options.pointsAndSweepKeys()
            // A bar on a terminal; a CI log gets only the verdicts.
            let outcomes = try runPoints(points, jobs: jobs, progress: isatty(FileHandle.standardError.fileDescriptor) != 0)
            let key = Baseline.key(for: file)
            if updateBaseline { fresh.forget(file: key) }  // a point no longer in the sweep leaves the baseline
            for o in outcomes {
                let label = CheckSupport.label(o.point, sweepKeys: sweepKeys)
                let repro = CheckSupport.reproducer(file: file, point: o.point, seed: seed)
                for e in ExpectationCheck.check(o, among: outcomes, requireReference: true) {
                    var bounds: [String] = []
                    if let lo = e.expectation.min { bounds.append("min \(JSONValue.format(lo, decimals: 3))") }
                    if let hi = e.expectation.max { bounds.append("max \(JSONValue.format(hi, decimals: 3))") }
                    if let r = e.expectation.relativeTo { bounds.append("relative to \(r)") }
                    cases.append(CheckCase(file: file, point: label, name: "expect \(e.metric) " + bounds.joined(separator: " "),
                                           passed: e.passed, message: e.message, reproducer: repro))
                }
                let metrics = Metrics.flatten(o.json)
                if updateBaseline {
                    fresh.record(file: key, label: label, metrics: metrics)
                } else if baseline != nil {
                    guard let old = stored.entries[key]?[label] else {
                        cases.append(CheckCase(file: file, point: label, name: "baseline", passed: false,
                                               message: "no baseline for this point; record one with --update-baseline", reproducer: repro))
                        continue
                    }
                    let moved = CheckSupport.changes(old: old, new: metrics, tolerance: tol)
                    let message = moved.isEmpty ? "\(metrics.count) metrics within \(tolerance)"
                        : "\(moved.count) metric\(moved.count == 1 ? "" : "s") moved beyond \(tolerance):\n" + moved.map { "  " + $0.description }.joined(separator: "\n")
                    cases.append(CheckCase(file: file, point: label, name: "baseline", passed: moved.isEmpty, message: message, reproducer: repro))
                }
            }
        }
        report(cases)
        if let junit {
            do { try AtomicFile.write(JUnit.xml(cases), to: junit) } catch {
                printError("error: cannot write \(junit): \(error.localizedDescription)")
                throw ExitCode(Exit.badInput)
            }
        }
        if updateBaseline, let baseline {
            do { try AtomicFile.write(fresh.render(), to: baseline) } catch {
                printError("error: cannot write \(baseline): \(error.localizedDescription)")
                throw ExitCode(Exit.badInput)
            }
            print("wrote the baseline \(baseline)")
        }
        if cases.contains(where: { !$0.passed }) { throw ExitCode(Exit.expectationFailed) }
    }

    private func report(_ cases: [CheckCase]) {
        for c in cases where !c.passed {
            print("FAIL \(c.file) [\(c.point)] \(c.name)\n  \(c.message.replacingOccurrences(of: "\n", with: "\n  "))\n  reproduce: \(c.reproducer)\n")
        }
        let failed = cases.filter { !$0.passed }.count
        print("\(cases.count - failed) passed, \(failed) failed")
    }
}
