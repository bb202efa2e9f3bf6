import Foundation
import SimKernelModel
import SimReport
import SimScenario

// Register the policy by name before any scenario is read: from here on `policy: las` is
// as valid in a scenario as the built-in ones.
SchedulerRegistry.register("las") { LeastAttainedService($0) }

let path = CommandLine.arguments.dropFirst().first ?? "scenario.yaml"
do {
    let file = try ScenarioFile.load(path: path)
    for point in try file.points() {
        let result = try Runner.run(point).result
        print("\(point.variant ?? "-"):")
        for w in result.workloads {
            // Each task's exit time (nil: still running at the end), from the start of the run.
            let exits = result.tasks.filter { $0.workload == w.name }.compactMap(\.exitedNs)
            let mean = exits.isEmpty ? "-" : String(format: "%.0f µs", exits.reduce(0, +) / Double(exits.count) / 1000)
            print("  \(w.name): \(w.ops) operations, \(exits.count)/\(w.tasks) tasks exited, mean exit at \(mean)")
        }
    }
} catch {
    FileHandle.standardError.write(Data("\(path): \(error)\n".utf8))
    exit(2)
}
