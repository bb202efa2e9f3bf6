import Foundation
import SimMachine
import SimWorkloads
import Testing
@testable import SimKernelModel

/// Core-to-core hand-off latency against the published matrix (acceptance of the foundation issue).
@Suite struct PingPongCalibrationTests {
    /// Median one-way latency of the calibration matrix over pairs at `distance`.
    static func publishedMedian(_ file: String, topology: Topology, distance: Distance) throws -> Double {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared/data/calibration/core-to-core/\(file)").standardized
        let rows = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        var values: [Double] = []
        for (i, row) in rows.enumerated() {
            let cells = row.split(separator: ",", omittingEmptySubsequences: false)
            for j in 0..<min(i, cells.count) {
                if let v = Double(cells[j]), topology.distance(i, j) == distance { values.append(v) }
            }
        }
        values.sort()
        return values.count % 2 == 1 ? values[values.count / 2] : (values[values.count / 2 - 1] + values[values.count / 2]) / 2
    }

    static func simulatedOneWay(machine: MachineSpec, pair: (Int, Int)) throws -> Double {
        let kernel = KernelConfig(name: "smp", cpus: Array(0..<machine.topology.cpuCount), memoryNode: 0, memoryBytes: 1 << 30)
        let workload = WorkloadConfig(name: "ping", copies: [.init(kernel: 0, threads: 2, pin: [pair.0, pair.1])],
                                      generator: .pingPong, stop: StopRule(iterations: 2000))
        var sim = try Simulation(SimulationConfig(machine: machine, kernels: [kernel], workloads: [workload], seed: 1))
        let result = sim.run()
        // One operation is one round trip of the line: two hand-offs.
        return result.workloads[0].latency.p50 / 2
    }

    @Test(arguments: [(Distance.smt, (0, 32)), (.socket, (0, 5)), (.remote, (3, 20))])
    func xeonGold6242(distance: Distance, pair: (Int, Int)) throws {
        let m = MachinePresets.xeonGold6242
        #expect(m.topology.distance(pair.0, pair.1) == distance)
        let published = try Self.publishedMedian("xeon-gold-6242-2s.csv", topology: m.topology, distance: distance)
        let simulated = try Self.simulatedOneWay(machine: m, pair: pair)
        let error = abs(simulated - published) / published
        print("ping-pong \(distance.name): simulated \(simulated) ns, published \(published) ns")
        #expect(error <= 0.10, "\(distance.name): simulated \(simulated) ns vs published median \(published) ns")
    }
}
