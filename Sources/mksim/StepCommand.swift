import ArgumentParser
import Foundation
import SimReport
import SimScenario
import SimKernelModel

struct StepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "step",
        abstract: "Run one point a step at a time: tell what happens, look at CPUs, kernels, locks and lines between events.",
        discussion: """
        Reads commands from standard input (type `help`): `next` tells the next thing that \
        happens, `until 25us` runs to a time, `until message` to the next message, `cpu 4`, \
        `kernel right`, `lock NAME`, `line NAME` show state, `run` finishes and prints the \
        summary. Commands can come from a file or a pipe (`printf 'until 20us\\ncpus\\n' | \
        mksim step FILE`): they are echoed, and an unknown command is bad input (exit 2).
        """
    )

    @OptionGroup var scenario: ScenarioOptions
    @OptionGroup(title: "Narration") var narration: NarrationArguments

    func run() throws {
        let points = try scenario.onePoint(for: "step")
        let options = try narration.options(for: points, defaultLevel: 2)
        let session: StepSession
        do throws(ConfigurationError) { session = try StepSession(point: points[0], options: options) { print($0) } } catch {
            printError("\(points[0].diagnostic(for: error))")
            throw ExitCode(Exit.badInput)
        }
        let interactive = isatty(STDIN_FILENO) != 0
        if interactive { print("mksim step: \(points[0].scenario.name). Type help for the commands.") }
        var lineNumber = 0
        while true {
            if interactive { print("(mksim) ", terminator: ""); fflush(nil) }
            guard let line = readLine() else { break }
            lineNumber += 1
            if !interactive { print("(mksim) " + line) }
            switch session.execute(line) {
            case .goOn: continue
            case .quit: return
            case .bad(let why):
                if interactive { print(why); continue }
                fflush(nil)
                printError("error: standard input, line \(lineNumber): \(why)")
                throw ExitCode(Exit.badInput)
            }
        }
    }
}
