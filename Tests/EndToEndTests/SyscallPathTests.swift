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

/// A kexec boot wakes each CPU with INIT, SIPI, SIPI from the boot CPU: the last arrives
/// after the APIC's delivery latency for their distance.
@Suite struct BootTests {
    @Test func startupIPIsCostTheirDeliveryDistance() throws {
        let text = """
        mksim: 1
        name: boot
        machine: {preset: xeon-gold-6242-2s}
        kernels:
          - {name: host, cpus: "2-15"}
          - {name: spawn, cpus: "0,1,16", boot: {at: 1ms, via: kexec, image: 1MiB, init: 1ms, per_cpu: 100us, bringup: init-sipi}}
        workloads:
          - {name: w, on: host, threads: 1, generate: {kind: syscall-loop, syscall: getpid, iterations: 10}}
        duration: 5ms
        """
        let point = try #require(try ScenarioFile.parse(text, path: "boot.yaml").points().first)
        let r = try Runner.run(point).result
        let life = try #require(r.kernels.first { $0.name == "spawn" }).lifecycle
        #expect(life.startupIPIs == 6)
        // CPU 1 (same socket): 3 × 571 ns + 1 µs; CPU 16 (other socket): 3 × 571 ns + 1.4 µs; 100 µs each.
        let expected = life.activeNs + 2 * 100_000 + (3 * 571 + 1_000) + (3 * 571 + 1_400)
        #expect(abs(life.allCPUsUpNs - expected) < 1, "\(life.allCPUsUpNs) vs \(expected)")
        #expect(try #require(r.kernels.first { $0.name == "host" }).lifecycle.startupIPIs == 0)
    }
}
