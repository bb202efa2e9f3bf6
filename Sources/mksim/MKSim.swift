import ArgumentParser
import Foundation
import SimWorkloads
import SchedulerExamples
import SimReport

/// Exit codes of SCENARIO.md: 0 success, 1 expectation failed, 2 bad input, 3 internal error.
enum Exit {
    static let expectationFailed: Int32 = 1
    static let badInput: Int32 = 2
    static let internalError: Int32 = 3
}

@main
struct MKSim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mksim",
        abstract: "A discrete-event simulator of multikernel hardware.",
        discussion: """
        mksim models multi-socket machines (cores, SMT threads, coherent caches, local APICs) \
        split into peer kernels or run as one SMP kernel, runs workloads on them, and reports \
        contention and scaling. Start with:

          mksim run scenarios/quickstart.yaml
          mksim machines
          mksim validate my-scenario.yaml

        Exit codes: 0 success, 1 an expectation failed, 2 bad input, 3 internal error.
        """,
        version: MKSimVersion.description,
        subcommands: [RunCommand.self, SweepCommand.self, CheckCommand.self, CompareCommand.self, ReportCommand.self, MergeCommand.self, ValidateCommand.self, SchemaCommand.self,
                      MachinesCommand.self, CoreToCoreCommand.self, TraceCommand.self, StepCommand.self, ShowCommand.self]
    )

    static func main() {
        SchedulerExamples.register()  // user-written policies become usable by name in scenarios
        TemporaryFiles.removeOnInterrupt()  // ^C leaves no half-written file behind
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let e as ExitCode {
            Foundation.exit(e.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success {  // --help, --version
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            if code == .validationFailure {
                // Argument errors are bad input (2), not the parser's EX_USAGE (64).
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(Exit.badInput)
            }
            // Anything else escaped the commands' own handling: a bug in mksim.
            printError("internal error: \(type(of: error)): \(error)\nThis is a bug in mksim; please report it with the scenario and command.")
            Foundation.exit(Exit.internalError)
        }
    }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
