import Foundation
import SimKernelModel
import SimReport
import SimScenario
import Testing

/// Profile paths that act on the scheduler: sched_yield.
@Suite struct SyscallPathTests {
    static func run(threads: Int) throws -> SimulationResult {
        let text = """
        mksim: 1
        name: yield
        machine: {preset: xeon-gold-6242-2s}
        kernels: [{name: k, cpus: 1, scheduler: cfs}]
        workloads:
          - {name: y, on: k, threads: \(threads), generate: {kind: syscall-loop, syscall: sched_yield, user: 2000 cycles, iterations: 500}}
        """
        let point = try #require(try ScenarioFile.parse(text, path: "yield.yaml").points().first)
        return try Runner.run(point).result
    }

    @Test func yieldingTasksTakeTurnsAndAloneOneKeepsItsCPU() throws {
        // Alone, sched_yield finds nothing else to run: no switch, no preemption.
        let alone = try Self.run(threads: 1)
        #expect(alone.workloads[0].ops == 500 && alone.workloads[0].voluntarySwitches >= 500, "\(alone.workloads[0].voluntarySwitches)")
        #expect(alone.kernels[0].contextSwitches == 0, "\(alone.kernels[0].contextSwitches)")
        // Two on one CPU: each yield hands the CPU to the other, counted as voluntary, not preemption.
        let two = try Self.run(threads: 2)
        #expect(two.workloads[0].ops == 1000)
        #expect(two.kernels[0].contextSwitches >= 990, "\(two.kernels[0].contextSwitches)")
        #expect(two.workloads[0].preemptions < 20, "\(two.workloads[0].preemptions)")
        // Each turn costs a context switch: two tasks take more than twice as long as one.
        #expect(two.simTime.raw > alone.simTime.raw * 2)
    }
}
