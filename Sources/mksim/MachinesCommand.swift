import ArgumentParser
import SimMachine
import SimReport

struct MachinesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "machines",
        abstract: "List machine presets, or print one as YAML to paste into a scenario.",
        discussion: "Every parameter comes with its source; docs/machines.md has the same tables."
    )

    @Argument(help: "A preset name.")
    var name: String?

    func run() throws {
        guard let name else {
            let width = MachinePresets.names.map(\.count).max() ?? 0
            for m in MachinePresets.all {
                print(m.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + m.summary)
            }
            return
        }
        guard let m = MachinePresets.named(name) else {
            printError("error: no machine preset named '\(name)'; presets: \(MachinePresets.names.joined(separator: ", "))")
            throw ExitCode(Exit.badInput)
        }
        print(MachineYAML.text(m), terminator: "")
    }
}
