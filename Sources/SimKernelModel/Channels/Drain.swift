import SimCPU
import SimMachine

/// The receiving kernel's side of linux and popcorn rings: the handler of the ring's IPI
/// vector reads tail and the next slot, takes each published message (a popcorn message
/// split in chunks when its last chunk is in), acts on kernel messages, advances tail, and
/// stops after its budget (re-raising the interrupt for the rest). With a draining flag
/// (popcorn) it sets the flag first and clears it at the end, then looks once more, since
/// a sender that saw the flag set sent no IPI.
enum DrainPhase: UInt8 {
    case entry, readTail, readSlot, handle, advance, clearActive, recheck, done
    /// After handling a page server's answer: counting it for the thread that waits.
    case reply
}

extension CPUState {
    /// A channel drain in this CPU's interrupt handler, over the handler's phase byte.
    var drain: DrainPhase {
        get { DrainPhase(rawValue: handler.handlerPhase) ?? .done }
        set { handler.handlerPhase = newValue.rawValue }
    }
}

extension Simulation {
    /// A channel's drain, out of line so that the IPI ring's path keeps its registers.
    @inline(never)
    mutating func drainOp(_ c: Int, ring ri: Int) -> Operation? {
        // Fields read in place: a copy of the ring would retain its arrays.
        let tail = cpus[c].handler.handlerScratch
        switch cpus[c].drain {
        case .entry:
            if channels.rings[ri].transport.traits.drainingFlag { return .store(channels.rings[ri].activeLine, 1) }
            cpus[c].drain = .readTail
            return .load(channels.rings[ri].tail)
        case .readTail: return .load(channels.rings[ri].tail)
        case .readSlot, .recheck: return .load(slotLine(channels.rings[ri], tail))
        case .handle: return .delay(channels.rings[ri].handling)
        case .reply:
            // A page server's answer: counted on the faulting thread's reply line (in its
            // instance's memory).
            let tag = channels.rings[ri].tags[Int(tail % UInt64(channels.rings[ri].slots))]
            return .fetchAdd(tasks[KernelThreadRole(tag: tag).subject].messaging.replyLine, 1)
        case .advance: return .store(channels.rings[ri].tail, tail + 1)
        case .clearActive: return .store(channels.rings[ri].activeLine, 0)
        case .done: return nil
        }
    }

    mutating func drainFinish(cpu c: Int, vector v: UInt8, old: UInt64, at t: Picoseconds) {
        let ri = Int(v &- Vectors.channelBase)
        let traits = channels.rings[ri].transport.traits
        switch cpus[c].drain {
        case .entry:
            cpus[c].drain = .readTail
        case .readTail:
            cpus[c].handler.handlerScratch = old
            cpus[c].drain = .readSlot
        case .readSlot:
            // Published slots hold their sequence number + 1.
            if old & ~Self.lastChunk == cpus[c].handler.handlerScratch + 1 {
                channels.rings[ri].stats.slotsTaken &+= 1
                if !traits.splitsMessages || old & Self.lastChunk != 0 {  // a message's last (or only) slot: it is complete
                    let slot = Int(cpus[c].handler.handlerScratch % UInt64(channels.rings[ri].slots))
                    let latency = t - channels.rings[ri].sentAt[slot]
                    _ = channels.rings[ri].stats.latency.record(latency.raw)
                    channels.rings[ri].stats.delivered &+= 1
                    channels.rings[ri].stats.lastDelivered = t
                    delivered(tag: channels.rings[ri].tags[slot], ring: ri, cpu: c, latency: latency, at: t)
                }
                cpus[c].drain = .handle
            } else {
                // Empty. With a draining flag: clear it, then look once more.
                cpus[c].drain = traits.drainingFlag ? .clearActive : .done
            }
        case .handle:
            let tag = channels.rings[ri].tags[Int(cpus[c].handler.handlerScratch % UInt64(channels.rings[ri].slots))]
            let family = KernelThreadRole(tag: tag).family
            // A message split into chunks is acted on at its last chunk (looked at only for
            // the families acted on here).
            let whole = family.rawValue < MessageFamily.page.rawValue || !traits.splitsMessages
                || directory.peekValue(slotLine(channels.rings[ri], cpus[c].handler.handlerScratch)) & Self.lastChunk != 0
            switch whole ? family : .data {
            case .page, .invalidate:
                // For the instance's page server to answer (Popcorn hands them to a worker).
                queuePageRequest(tag: tag, kernel: channels.rings[ri].to, cpu: c, at: t)
                cpus[c].drain = .advance
            case .pageReply: cpus[c].drain = .reply
            default: cpus[c].drain = .advance
            }
        case .reply:
            let tag = channels.rings[ri].tags[Int(cpus[c].handler.handlerScratch % UInt64(channels.rings[ri].slots))]
            pageAnswered(task: KernelThreadRole(tag: tag).subject, cpu: c, at: t)
            cpus[c].drain = .advance
        case .advance:
            cpus[c].handler.handlerCount += 1
            if cpus[c].handler.handlerCount < channels.rings[ri].budget {
                cpus[c].drain = .readTail
            } else {
                // Budget spent: leave the rest for a fresh pass, as a re-raised interrupt.
                apic.markPending(cpu: c, vector: v)
                cpus[c].drain = traits.drainingFlag ? .clearActive : .done
            }
        case .clearActive:
            cpus[c].drain = cpus[c].handler.handlerCount < channels.rings[ri].budget ? .recheck : .done
        case .recheck:
            cpus[c].drain = old & ~Self.lastChunk == cpus[c].handler.handlerScratch + 1 ? .entry : .done
        case .done:
            break
        }
    }
}
