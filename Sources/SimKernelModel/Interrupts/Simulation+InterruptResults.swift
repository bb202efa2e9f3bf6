import SimMachine

extension Simulation {
    /// Per device, whether its vector is still pending at the end (1) or not (0). Device
    /// interrupts are not IPIs: their handler runs and pending vectors are kept apart.
    func devicePending() -> [UInt64] {
        devices.indices.map { d in
            apic.isPending(cpu: devices[d].config.cpu, vector: Vectors.deviceBase + UInt8(d)) ? UInt64(1) : 0
        }
    }

    /// Where every IPI went (`IPIAccounting`'s conservation laws).
    func ipiAccounting(devicePending: [UInt64]) -> IPIAccounting {
        IPIAccounting(
            targeted: ipis.targeted, arrived: apic.received.reduce(0, +),
            inFlight: UInt64(queue.count(kind: EventKind.ipiArrive.rawValue)), coalesced: apic.coalesced, reraised: apic.reraised,
            taken: cpus.reduce(0) { $0 + $1.accounting.handlerRuns } - devices.reduce(0) { $0 + $1.handled },
            pending: UInt64(apic.pendingTotal) - devicePending.reduce(0, +))
    }

    func deviceResults(devicePending: [UInt64]) -> [DeviceResult] {
        devices.indices.map { d in
            let v = devices[d]
            return DeviceResult(name: v.config.name, kernel: config.kernels[v.config.kernel].name, cpu: v.config.cpu,
                                raised: v.raised, coalesced: v.coalesced, handled: v.handled, pending: devicePending[d],
                                latency: LatencySummary(v.latency))
        }
    }
}
