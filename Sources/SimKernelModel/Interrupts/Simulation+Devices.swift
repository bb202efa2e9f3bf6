import func Foundation.log
import SimMachine
import SimWorkloads

/// A device's interrupts and what they measured.
struct DeviceRuntime {
    var config: DeviceConfig
    var rng: SplitMix64
    var raised: UInt64 = 0
    /// Arrivals while the previous one was still pending (one handler run serves both).
    var coalesced: UInt64 = 0
    var handled: UInt64 = 0
    /// From raising the interrupt to its handler's entry.
    var latency = latencyHistogram()
}

/// Devices: interrupts from outside the CPUs, taken by the handler of the CPU they are
/// routed to. The device knows nothing of kernels: if its CPU's instance has failed, its
/// interrupts stay pending there; if the CPU has been handed to another instance, that
/// instance takes them (nothing re-routes them).
extension Simulation {
    mutating func scheduleDevices() throws(ConfigurationError) {
        guard config.devices.count <= Vectors.maxDevices else {
            throw ConfigurationError("at most \(Vectors.maxDevices) devices (one interrupt vector each)")
        }
        for (d, dc) in config.devices.enumerated() {
            guard config.kernels.indices.contains(dc.kernel), config.kernels[dc.kernel].cpus.contains(dc.cpu) else {
                throw ConfigurationError("device '\(dc.name)': CPU \(dc.cpu) does not belong to its kernel", about: .device(dc.name))
            }
            guard dc.every > .zero else { throw ConfigurationError("device '\(dc.name)': 'every' must be above zero", about: .device(dc.name)) }
            guard dc.count != nil || config.duration != nil else {
                throw ConfigurationError("device '\(dc.name)': its interrupts never stop by themselves; give count or a top-level duration", about: .device(dc.name))
            }
            devices.append(DeviceRuntime(config: dc, rng: SplitMix64(seed: config.seed, stream: [0x6465_7669, UInt64(d)])))
            ipis.handlers[Int(Vectors.deviceBase) + d] = .device
            queue.push(at: dc.start + gap(device: d), target: Int32(d), kind: EventKind.deviceInterrupt.rawValue)
        }
    }

    /// Time to the device's next interrupt.
    private mutating func gap(device d: Int) -> Picoseconds {
        let every = devices[d].config.every
        guard devices[d].config.arrivals == .poisson else { return every }
        // Exponential gap of mean `every`; 1 - u keeps the logarithm finite (at most ~37 means),
        // and the clamp keeps an absurd mean from overflowing.
        let u = devices[d].rng.unit()
        return Picoseconds(UInt64(min((-Double(every.raw) * log(1 - u)).rounded(), Double(UInt64.max >> 2))))
    }

    mutating func deviceInterrupt(_ d: Int) {
        let dc = devices[d].config
        devices[d].raised &+= 1
        let vector = Vectors.deviceBase + UInt8(d)
        if apic.raiseFromDevice(cpu: dc.cpu, vector: vector, at: now.raw) {
            observe(.deviceInterrupt(device: d, cpu: dc.cpu, accepted: true), at: now)
            interruptArrived(cpu: dc.cpu, vector: vector)
        } else {
            devices[d].coalesced &+= 1
            observe(.deviceInterrupt(device: d, cpu: dc.cpu, accepted: false), at: now)
        }
        if dc.count.map({ devices[d].raised < $0 }) ?? true {
            let next = now + gap(device: d)
            if config.duration.map({ next <= $0 }) ?? true {
                queue.push(at: next, target: Int32(d), kind: EventKind.deviceInterrupt.rawValue)
            }
        }
    }

    mutating func deviceHandlerEntered(vector v: UInt8, waited: UInt64) {
        let d = Int(v - Vectors.deviceBase)
        devices[d].handled &+= 1
        _ = devices[d].latency.record(waited)
    }
}
