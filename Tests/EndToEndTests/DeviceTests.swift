import Foundation
import SimKernelModel
import SimReport
import SimScenario
import Testing

/// scenarios/multikernel/devices.yaml: a NIC's interrupts on the application's instance,
/// on an I/O instance of their own, and on one that fails.
@Suite struct DeviceTests {
    @Test func interruptsCostTheirCPUAndAreAllAccountedFor() throws {
        let r = try Repo.resultsByVariant("scenarios/multikernel/devices.yaml")
        let quiet = r["quiet"]!, onApp = r["on-app"]!, io = r["io-instance"]!, failed = r["io-panics"]!
        func app(_ x: SimulationResult) -> KernelResult { x.kernels.first { $0.name == "app" }! }
        #expect(quiet.devices.isEmpty)

        // Conservation: every interrupt raised was handled, merged into a pending one, or is pending.
        for (name, x) in [("on-app", onApp), ("io-instance", io), ("io-panics", failed)] {
            let nic = x.devices[0]
            #expect(nic.raised == nic.handled + nic.coalesced + nic.pending, "\(name): \(nic)")
            // Device interrupts are not IPIs: the IPI accounting does not see them.
            #expect(x.ipiAccounting.taken == 0 && x.ipiAccounting.pending == 0 && x.ipiSent == 0, "\(name)")
        }
        // The same seeded arrivals whichever instance owns the NIC (Poisson, mean 5 us, 10 ms).
        #expect(onApp.devices[0].raised == io.devices[0].raised)
        #expect(onApp.devices[0].raised > 1800 && onApp.devices[0].raised < 2200)

        // The handler's time comes out of the CPU that takes the interrupts: 2 us per
        // interrupt, ~40% of CPU 0, ~10% of the application's four CPUs.
        let loss = 1 - Double(app(onApp).ops) / Double(app(quiet).ops)
        let handlerShare = Double(onApp.devices[0].handled) * 2e3 / (4 * 10e6)
        #expect(abs(loss - handlerShare) < 0.02, "lost \(loss), handlers \(handlerShare)")
        #expect(app(onApp).interruptsHandled == onApp.devices[0].handled)
        // On an I/O instance the application loses nothing.
        #expect(app(io).ops == app(quiet).ops && app(io).interruptsHandled == 0)
        // An interrupt arriving while the previous handler runs waits for it to return (here
        // the CPU is otherwise idle or running user work: the wait is the handler's rest).
        #expect(io.devices[0].latency.max <= 2_000 + 400 && io.devices[0].latency.p90 > 500)
        #expect(onApp.devices[0].latency.p99 == io.devices[0].latency.p99)

        // The owner fails at 5 ms: the NIC keeps raising; one interrupt stays pending and
        // every later one merges into it.
        let nic = failed.devices[0]
        #expect(nic.raised == io.devices[0].raised && nic.pending == 1)
        #expect(Double(nic.handled) / Double(io.devices[0].handled) > 0.4 && Double(nic.handled) / Double(io.devices[0].handled) < 0.6)
        #expect(app(failed).ops == app(quiet).ops)
    }
}
