import Benchmark
import Foundation
import SimKernelModel
import SimMachine
import SimScenario

/// The IPI ring of scenarios/bench/ipi-ring.yaml, read from the shipped file.
func ringSimulation(cores: Int) -> Simulation {
    let here = URL(fileURLWithPath: #filePath)
    let path = here.deletingLastPathComponent().appendingPathComponent("../../../scenarios/bench/ipi-ring.yaml").standardized.path
    let file = try! ScenarioFile.load(path: path)
    let point = try! file.points(overrides: [("machine.cores_per_socket", YNode.commandLine("\(cores)")),
                                             ("duration", YNode.commandLine("1000s"))])[0]
    return try! Simulation(point.scenario.config)
}

let benchmarks: @Sendable () -> Void = {
    // Steady state only: the model is built and warmed up before measurement starts, so
    // malloc counts show allocations per event (expected: none).
    for cores in [64, 1024] {
        Benchmark("ipi-ring N=\(cores), 1M events",
                  configuration: .init(metrics: [.wallClock, .mallocCountTotal, .throughput], scalingFactor: .mega,
                                       maxDuration: .seconds(10), maxIterations: 20)) { benchmark in
            var sim = ringSimulation(cores: cores)
            var horizon = Picoseconds(us: 100)
            sim.advance(until: horizon)  // warm-up: every heap and array at its working size
            let hop = Picoseconds(ns: 1100)
            // 1M deliveries: N per hop.
            let span = Picoseconds(hop.raw * UInt64(1_000_000 / cores + 1))
            let before = sim.eventCount
            benchmark.startMeasurement()
            horizon += span
            sim.advance(until: horizon)
            benchmark.stopMeasurement()
            blackHole(sim.eventCount - before)
        }
    }
}
