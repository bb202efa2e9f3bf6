import SimCPU
import SimMachine

/// Interrupt handlers by vector (`Vectors`): the IPI ring's forwarding, the IPI
/// broadcast's acknowledgement, channel drains (`Channels/Drain.swift`), TLB shootdown
/// requests (`Memory/Simulation+Shootdown.swift`) and devices.
extension Simulation {
    /// The next operation of the running interrupt handler, or nil when it returns.
    mutating func handlerOp(_ c: Int) -> Operation? {
        let v = cpus[c].handler.vector
        let phase = cpus[c].handler.handlerPhase
        switch ipis.handlers[Int(v)] {
        case .ipiRing:
            guard cpus[c].roles.ringNext >= 0 else { return nil }
            switch phase {
            case 0: return .delay(cpus[c].roles.ringHandling)
            case 1: return .sendIPI(cpu: cpus[c].roles.ringNext, vector: Vectors.ring)
            default: return nil
            }
        case .broadcast:
            guard cpus[c].roles.broadcastAck >= 0 else { return nil }
            switch phase {
            case 0: return .delay(cpus[c].roles.broadcastHandling)
            case 1: return .fetchAdd(cpus[c].roles.broadcastAck, 1)
            default: return nil
            }
        case .channel:
            return drainOp(c, ring: Int(v - Vectors.channelBase))
        case .tlbShootdown, .device:
            // Rare vectors out of line, and laid out away from the ring's and channels' paths.
            return rareHandlerOp(c, vector: v, phase: phase)
        case .none:
            return nil
        }
    }

    /// Handlers of TLB shootdown requests and devices, kept out of `handlerOp` so that the
    /// IPI ring's and the channels' paths stay as lean as they were (their array accesses
    /// cost the common path ~10% when inlined there).
    @inline(never)
    mutating func rareHandlerOp(_ c: Int, vector v: UInt8, phase: UInt8) -> Operation? {
        if v == Vectors.tlbShootdown { return shootdownHandlerOp(c, phase: phase) }
        return phase == 0 ? .delay(devices[Int(v - Vectors.deviceBase)].config.handling) : nil
    }

    mutating func handlerFinish(cpu c: Int, outcome: AccessOutcome?, at t: Picoseconds) {
        let v = cpus[c].handler.vector
        switch ipis.handlers[Int(v)] {
        case .ipiRing, .broadcast, .device: cpus[c].handler.handlerPhase &+= 1
        case .tlbShootdown: shootdownHandlerFinish(c)
        case .channel: drainFinish(cpu: c, vector: v, old: outcome?.oldValue ?? 0, at: t)
        case .none: break
        }
    }
}
