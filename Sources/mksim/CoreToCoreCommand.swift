import ArgumentParser
import Foundation
import SimReport
import SimScenario

struct CoreToCoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "c2c",
        abstract: "Core-to-core latency matrix: a ping-pong on every CPU pair.",
        discussion: """
        Runs the scenario's ping-pong workload (default scenarios/micro/ping-pong.yaml) pinned \
        to every pair of CPUs, and writes matrix.csv (the layout of the published \
        core-to-core files: row i holds CPUs 0..i-1, one-way latency in ns) and matrix.svg \
        (a heatmap). With --compare it reports the error against a published matrix.

          mksim c2c --set machine.preset=epyc-7742-2s \\
              --compare ../shared/data/calibration/core-to-core/epyc-7742-2s.csv --out out/c2c
        """
    )

    @Argument(help: "A scenario with a ping-pong workload.")
    var file: String = "scenarios/micro/ping-pong.yaml"

    @Option(name: .customLong("set"), parsing: .unconditionalSingleValue,
            help: ArgumentHelp("Override a value, as in `mksim run`.", valueName: "key=value"))
    var overrides: [String] = []

    @Option(help: "The ping-pong workload's name.")
    var workload: String = "ping"

    @Option(help: "Round trips per pair.")
    var iterations: Int = 200

    @Option(help: "A published matrix (CSV, same layout) to compare with.")
    var compare: String?

    @Option(help: "Folder for matrix.csv and matrix.svg.")
    var out: String = "out/c2c"

    @Option(help: "Host threads to use (default: all cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Continue an interrupted run of the same command: pairs already in OUT/matrix.partial.csv are not measured again.")
    var resume = false

    func validate() throws {
        if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if iterations < 1 { throw ValidationError("--iterations must be at least 1") }
    }

    func run() throws {
        var options = try ScenarioOptions.parse([file] + overrides.flatMap { ["--set", $0] })
        options.overrides.append("workloads.\(workload).generate.iterations=\(iterations)")
        let points = try options.points()
        guard points.count == 1 else {
            printError("error: \(file) has \(points.count) points; fix the sweep axes with --set")
            throw ExitCode(Exit.badInput)
        }
        let point = points[0]
        var published: LatencyMatrix?
        if let compare {
            guard let text = try? String(contentsOfFile: compare, encoding: .utf8), let m = LatencyMatrix.parse(csv: text) else {
                printError("error: \(compare): cannot read a latency matrix (CSV, lower-triangular, ns)")
                throw ExitCode(Exit.badInput)
            }
            published = m
        }
        let topology = point.scenario.config.machine.topology
        // What is measured, exactly: a resume must continue the same measurement.
        let header = "# mksim c2c journal: scenario \(point.fileSHA256.prefix(16)), " + options.overrides.joined(separator: " ")
            + ", workload \(workload), \(topology.cpuCount) CPUs"
        let journalPath = out + "/matrix.partial.csv"
        var matrix = LatencyMatrix(cpus: topology.cpuCount)
        let journal: CoreToCoreJournal
        var remaining = LatencyMatrix.allPairs(topology.cpuCount)
        do {
            if resume {
                let done = try CoreToCoreJournal.measured(at: journalPath, header: header)
                for (i, j, v) in done where i < topology.cpuCount && j < i { matrix[i, j] = v }
                remaining = remaining.filter { matrix[$0.0, $0.1].isNaN }
                print("resuming: \(done.count) pairs already measured, \(remaining.count) to go")
            } else if FileManager.default.fileExists(atPath: journalPath) {
                printError("note: \(journalPath) holds an interrupted run's pairs; starting over (--resume continues them)")
            }
            journal = try CoreToCoreJournal(path: journalPath, header: header, fresh: !resume)
        } catch {
            printError("error: \(error.description)")
            throw ExitCode(Exit.badInput)
        }
        do {
            let line = ProgressLine(unit: "pairs")
            let measured = try CoreToCore.measure(point: point, workload: workload, pairs: remaining, jobs: jobs, progress: { done, total in
                if done % 256 == 0 || done == total || !line.onTerminal { line.report(done: done, total: total) }
            }, measured: journal.append)
            for (i, j) in remaining { matrix[i, j] = measured[i, j] }
        } catch {
            if !resume { journal.finish() }  // nothing was measured: leave no journal
            printError("error: \(error.description)")
            throw ExitCode(Exit.badInput)
        }
        do {
            try AtomicFile.write(matrix.csv(), to: out + "/matrix.csv")
            try AtomicFile.write(matrix.svg(title: "\(point.scenario.config.machine.name): core-to-core one-way latency"), to: out + "/matrix.svg")
            journal.finish()
        } catch {
            printError("error: cannot write to \(out): \(error.localizedDescription)")
            throw ExitCode(Exit.badInput)
        }
        print("wrote \(out)/matrix.csv and \(out)/matrix.svg (\(topology.cpuCount) CPUs)")
        if let published {
            guard published.cpus == topology.cpuCount else {
                printError("error: \(compare!) has \(published.cpus) CPUs, the machine \(topology.cpuCount)")
                throw ExitCode(Exit.badInput)
            }
            let c = MatrixComparison(simulated: matrix, published: published, topology: topology)
            print(String(format: "\n%d pairs: relative error median %.1f%%, p90 %.1f%%, p99 %.1f%%, max %.1f%%; %.1f%% of pairs within 10%%; %d pairs nearer another group",
                         c.pairs, c.medianError * 100, c.p90Error * 100, c.p99Error * 100, c.maxError * 100, c.withinTenPercent * 100, c.misgrouped.count))
            print("\ndistance    pairs  published median  simulated median  median error  within 10%")
            for g in c.groups {
                let name = g.key.name.padding(toLength: 10, withPad: " ", startingAt: 0)
                print(String(format: "%@  %5d  %13.1f ns  %13.1f ns  %11.1f%%  %9.1f%%", name, g.pairs, g.publishedMedian,
                             g.simulatedMedian, g.medianError * 100, g.withinTenPercent * 100))
            }
        }
    }
}
