import ArgumentParser
import SimKernelModel
import SimReport
import SimScenario

/// How much a narration tells, and about what (`run --narrate`, `step`).
struct NarrationArguments: ParsableArguments {
    @Option(name: .customLong("narrate-level"), help: ArgumentHelp("1: what matters (kernel states, IPIs taken, messages, contended locks, migrations, devices, moves); 2: also IPIs sent, handlers, system calls, every lock, context switches; 3: everything.", valueName: "1|2|3"))
    var level: Int?

    @Option(name: .customLong("narrate-kernels"), help: ArgumentHelp("Tell only about these kernels (comma-separated names).", valueName: "names"))
    var kernels: String?

    @Option(name: .customLong("narrate-cpus"), help: ArgumentHelp("Tell only about these CPUs, like 0-3,8.", valueName: "cpus"))
    var cpus: String?

    @Option(name: .customLong("narrate-kinds"), help: ArgumentHelp("Tell only these kinds: \(Narration.Kind.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "kinds"))
    var kinds: String?

    /// True when any narration option was given.
    var given: Bool { level != nil || kernels != nil || cpus != nil || kinds != nil }

    /// The options, checked against the scenario's points (their kernels and CPUs).
    func options(for points: [RunPoint], defaultLevel: Int) throws -> NarrationOptions {
        var o = NarrationOptions()
        o.level = level ?? defaultLevel
        guard (1...3).contains(o.level) else { throw bad("--narrate-level: expected 1, 2 or 3; got \(o.level)") }
        if let kernels {
            let wanted = Set(kernels.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            let known = Set(points.flatMap { $0.scenario.config.kernels.map(\.name) })
            if let unknown = wanted.subtracting(known).sorted().first {
                throw bad("--narrate-kernels: the scenario has no kernel '\(unknown)' (it has \(known.sorted().joined(separator: ", ")))")
            }
            o.kernels = wanted
        }
        if let cpus {
            let count = points.map { $0.scenario.config.machine.topology.cpuCount }.max() ?? 0
            switch parseIndexList(cpus, count: count, noun: "CPU") {
            case .success(let list): o.cpus = Set(list)
            case .failure(let e): throw bad("--narrate-cpus: \(e.message)")
            }
        }
        if let kinds {
            var set = Set<Narration.Kind>()
            for k in kinds.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                guard let kind = Narration.Kind(rawValue: k) else {
                    throw bad("--narrate-kinds: no kind '\(k)'; expected some of \(Narration.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                set.insert(kind)
            }
            o.kinds = set
        }
        return o
    }

    private func bad(_ message: String) -> ExitCode {
        printError("error: " + message)
        return ExitCode(Exit.badInput)
    }
}
