import ArgumentParser
import Foundation
import SimReport

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write one self-contained HTML page about a results folder.",
        discussion: """
        Reads what `mksim run --out`, `mksim sweep --out` or `mksim c2c --out` wrote and \
        writes DIR/report.html: summary tables, plots as inline SVG (each workload's \
        throughput and p99 against every sweep axis, latency CDFs, kernel utilization, \
        hottest lines, link utilization, the core-to-core heatmap), the scenario's text and \
        provenance. The page loads nothing from the network. docs/results.md describes it.

          mksim sweep scenarios/unlink-two-sockets.yaml --out s && mksim report s
        """
    )

    @Argument(help: "A results folder.")
    var dir: String

    @Option(help: "Where to write the page (default: DIR/report.html).")
    var out: String?

    func run() throws {
        let folder: ResultsFolder
        do { folder = try ResultsFolder.load(dir) } catch {
            printError("error: \(error.description)")
            throw ExitCode(Exit.badInput)
        }
        let path = out ?? dir + "/report.html"
        do { try AtomicFile.write(HTMLReport(folder).html(), to: path) } catch {
            printError("error: cannot write \(path): \(pathProblem(path) ?? error.localizedDescription)")
            throw ExitCode(Exit.badInput)
        }
        print("wrote \(path)")
    }
}
