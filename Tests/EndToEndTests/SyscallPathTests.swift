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
/// scenarios/multikernel/munmap.yaml: munmap's TLB shootdown interrupts the other CPUs
/// running the process, and waits for each.
@Suite struct MunmapShootdownTests {
    @Test func munmapInterruptsTheProcesssOtherCPUs() throws {
        let r = try Repo.resultsByVariant("scenarios/multikernel/munmap.yaml")
        func perCall(_ v: String) -> Double { Double(r[v]!.ipiSent) / Double(r[v]!.workloads[0].ops) }
        func p50(_ v: String) -> Double { r[v]!.workloads[0].latency.p50 }
        // One IPI per other CPU running a thread (all threads run: one per CPU).
        #expect(r["smp1"]!.ipiSent == 0)
        for (v, others) in [("smp2", 1.0), ("smp4", 3.0), ("smp8", 7.0), ("split", 3.0)] {
            #expect(perCall(v) > others - 0.1 && perCall(v) <= others, "\(v): \(perCall(v)) IPIs per munmap")
            // Every IPI was handled, and every request acknowledged (nothing left waiting).
            let a = r[v]!.ipiAccounting
            #expect(a.targeted == a.arrived + a.inFlight && a.taken + a.coalesced + a.pending == a.arrived + a.reraised)
            #expect(r[v]!.kernels.allSatisfy { $0.interruptsHandled > 0 })
        }
        // Each IPI and its acknowledgement lengthen the call; split per socket, 8 threads
        // pay what a 4-thread process pays.
        #expect(p50("smp1") < p50("smp2") && p50("smp2") < p50("smp4") && p50("smp4") < p50("smp8"))
        #expect(abs(p50("split") - p50("smp4")) < 0.01 * p50("smp4"))
    }
}

/// scenarios/multikernel/lazy-tlb.yaml: a shootdown skips CPUs in lazy TLB mode (idle, the
/// address space still loaded) unless page tables were freed; a skipped CPU flushes when its
/// thread comes back.
@Suite struct LazyTLBTests {
    @Test func mprotectSkipsLazyCPUsAndMunmapInterruptsThem() throws {
        let r = try Repo.resultsByVariant("scenarios/multikernel/lazy-tlb.yaml")
        func tlb(_ v: String) -> TLBShootdownCounts { r[v]!.kernels[0].tlb }
        for v in ["mprotect", "munmap", "busy"] {
            // One shootdown per call, and every CPU interrupted is one IPI sent, handled and acknowledged.
            let calls = r[v]!.workloads[0].ops
            #expect(tlb(v).shootdowns >= calls && tlb(v).shootdowns <= calls + 8, "\(v): \(tlb(v))")
            #expect(tlb(v).interrupted == r[v]!.ipiSent)
            let a = r[v]!.ipiAccounting
            #expect(a.pending == 0 && a.taken + a.coalesced == a.arrived + a.reraised)
            // A CPU has 7 others: each shootdown looks at most at 7, interrupted or skipped.
            #expect(tlb(v).interrupted + tlb(v).lazySkipped <= 7 * tlb(v).shootdowns)
        }
        // Threads that sleep leave lazy CPUs: mprotect skips most of them, and each owed flush
        // is paid once when that CPU next runs the process (at most once per skip).
        #expect(tlb("mprotect").lazySkipped > 5 * tlb("mprotect").interrupted / 2)
        #expect(tlb("mprotect").flushesOnSwitch > 0 && tlb("mprotect").flushesOnSwitch <= tlb("mprotect").lazySkipped)
        // munmap frees page tables: nobody is skipped, the lazy CPUs get IPIs instead.
        #expect(tlb("munmap").lazySkipped == 0 && tlb("munmap").flushesOnSwitch == 0)
        #expect(Double(tlb("munmap").interrupted) > 3 * Double(tlb("mprotect").interrupted))
        // Fewer IPIs to wait for: mprotect's calls are quicker than munmap's.
        #expect(r["mprotect"]!.workloads[0].latency.p50 < r["munmap"]!.workloads[0].latency.p50)
    }
}

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
