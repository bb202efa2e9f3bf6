import SimCPU
import SimMachine

/// The multikernel-Linux-style channel: per direction, a ring of slots in the
/// receiver's memory. The sender reads head and tail, claims a slot by CAS on
/// head, publishes the payload with a release store of the slot's sequence
/// number, then sends one IPI. The receiver drains in interrupt context, up to
/// its budget, advancing tail after each message. A full ring stalls the sender
/// until tail moves.
extension Simulation {
    mutating func beginSendFrame(task: Int, cpu c: Int, channel: Int, at t: Picoseconds) {
        let k = tasks[task].kernel
        let ring = rings.firstIndex { $0.channel == channel && $0.from == k }!
        tasks[task].frame = .channelSend
        tasks[task].phase = 0
        tasks[task].target = ring
        tasks[task].frameStart = t
    }

    mutating func sendOp(task: Int) -> Operation {
        let r = rings[tasks[task].target]
        switch tasks[task].phase {
        case 0: return .load(r.head)
        case 1: return .load(r.tail)
        case 2: return .compareAndSwap(r.head, expected: tasks[task].scratch, new: tasks[task].scratch + 1)
        case 3:
            let h = tasks[task].scratch
            return .store(r.slotBase + LineID(Int(h % UInt64(r.slots))), h + 1)
        case 4: return .sendIPI(cpu: Int32(r.receiverCPU), vector: r.vector)
        default: return .spinWhile(r.tail, mask: .max, equals: tasks[task].scratch2)
        }
    }

    mutating func sendFinish(task: Int, cpu c: Int, outcome: AccessOutcome?, at t: Picoseconds) -> Bool {
        let ri = tasks[task].target
        let old = outcome?.oldValue ?? 0
        switch tasks[task].phase {
        case 0:
            tasks[task].scratch = old
            tasks[task].phase = 1
        case 1:
            tasks[task].scratch2 = old
            if tasks[task].scratch &- old >= UInt64(rings[ri].slots) {
                rings[ri].fullStalls &+= 1
                tasks[task].phase = 5
            } else {
                tasks[task].phase = 2
            }
        case 2:
            tasks[task].phase = outcome?.succeeded == true ? 3 : 0
        case 3:
            let h = tasks[task].scratch
            rings[ri].sentAt[Int(h % UInt64(rings[ri].slots))] = tasks[task].frameStart
            rings[ri].sent &+= 1
            tasks[task].phase = 4
        case 4:
            rings[ri].ipis &+= 1
            tasks[task].frame = .none
            return true
        default:
            tasks[task].phase = 0
        }
        return false
    }

    // MARK: Interrupt handlers

    /// The next operation of the running interrupt handler, or nil when it returns.
    mutating func handlerOp(_ c: Int) -> Operation? {
        let v = cpus[c].vector
        let phase = cpus[c].handlerPhase
        if v == Vectors.ring {
            guard cpus[c].ringNext >= 0 else { return nil }
            switch phase {
            case 0: return .delay(cpus[c].ringHandling)
            case 1: return .sendIPI(cpu: cpus[c].ringNext, vector: Vectors.ring)
            default: return nil
            }
        }
        if v == Vectors.broadcast {
            guard cpus[c].broadcastAck >= 0 else { return nil }
            switch phase {
            case 0: return .delay(cpus[c].broadcastHandling)
            case 1: return .fetchAdd(cpus[c].broadcastAck, 1)
            default: return nil
            }
        }
        if v >= Vectors.channelBase && Int(v - Vectors.channelBase) < rings.count {
            let r = rings[Int(v - Vectors.channelBase)]
            let tail = cpus[c].handlerScratch
            switch phase {
            case 0: return .load(r.tail)
            case 1: return .load(r.slotBase + LineID(Int(tail % UInt64(r.slots))))
            case 2: return .delay(r.handling)
            case 3: return .store(r.tail, tail + 1)
            default: return nil
            }
        }
        return nil
    }

    mutating func handlerFinish(cpu c: Int, outcome: AccessOutcome?, at t: Picoseconds) {
        let v = cpus[c].vector
        if v == Vectors.ring || v == Vectors.broadcast {
            cpus[c].handlerPhase &+= 1
            return
        }
        let ri = Int(v &- Vectors.channelBase)
        let old = outcome?.oldValue ?? 0
        switch cpus[c].handlerPhase {
        case 0:
            cpus[c].handlerScratch = old
            cpus[c].handlerPhase = 1
        case 1:
            // Published slots hold their sequence number + 1.
            if old == cpus[c].handlerScratch + 1 {
                let slot = Int(cpus[c].handlerScratch % UInt64(rings[ri].slots))
                _ = rings[ri].latency.record((t - rings[ri].sentAt[slot]).raw)
                rings[ri].delivered &+= 1
                cpus[c].handlerPhase = 2
            } else {
                cpus[c].handlerPhase = 4
            }
        case 2:
            cpus[c].handlerPhase = 3
        case 3:
            cpus[c].handlerCount += 1
            if cpus[c].handlerCount < rings[ri].budget {
                cpus[c].handlerPhase = 0
            } else {
                // Budget spent: leave the rest for a fresh pass, as a re-raised interrupt.
                apic.markPending(cpu: c, vector: v)
                cpus[c].handlerPhase = 4
            }
        default:
            break
        }
    }
}
