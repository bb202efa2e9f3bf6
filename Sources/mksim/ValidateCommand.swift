import ArgumentParser
import Foundation
import SimScenario

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check scenario files without running them; report every error.",
        discussion: "Checks the file as written and every variant. Exit 0 when all files are valid, 2 otherwise."
    )

    @Argument(help: "Scenario files.")
    var files: [String]

    @Option(help: ArgumentHelp("The most host memory a model may take, as for run (default 1GiB).", valueName: "size"))
    var maxMemory: MemorySize?

    func run() throws {
        var bad = false
        for f in files {
            let diagnostics: [Diagnostic]
            do {
                let file = try ScenarioFile.load(path: f)
                diagnostics = maxMemory.map { file.validate(memoryLimit: $0.bytes) } ?? file.validate()
            } catch { diagnostics = error.diagnostics }
            if diagnostics.isEmpty {
                print("\(f): ok")
            } else {
                bad = true
                for d in diagnostics { printError(d.description) }
                printError("\(f): \(diagnostics.count) error\(diagnostics.count == 1 ? "" : "s")")
            }
        }
        if bad { throw ExitCode(Exit.badInput) }
    }
}
