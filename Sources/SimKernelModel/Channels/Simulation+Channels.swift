import SimCPU
import SimMachine

/// Sending on a channel, per transport (`ChannelTransport`). Each is a state machine of
/// memory operations on the ring's simulated lines, so its cost is the coherence model's.
///
/// linux: read head and tail, claim a slot by CAS on head, publish the payload with a
/// release store of the slot's sequence number, send one IPI. A full ring stalls the
/// sender until tail moves.
/// popcorn: take a ticket by atomic add on head, wait for that slot to be free, publish,
/// then read the receiver's draining flag and send an IPI only if it is clear.
/// urpc: claim the next sequence privately (one sender per direction), marshal, write the
/// slot's line (payload and header in one line), no IPI; when the ring looks full, read
/// the receiver's acknowledgement line first.
extension Simulation {
    mutating func beginSendFrame(task: Int, cpu c: Int, channel: Int, bytes: UInt32 = 0, at t: Picoseconds) {
        let k = tasks[task].kernel
        let ring = channels.sendRing(channel: channel, from: k)
        tasks[task].frame = .channelSend
        tasks[task].target = ring
        tasks[task].frameStart = t
        // Popcorn splits a message larger than a slot into chunks of a slot's payload (the
        // slot less an 8-byte header); every transport counts the message's own size.
        let slot = UInt32(clamping: channels.rings[ring].slotBytes)
        tasks[task].messageBytes = bytes == 0 ? slot : bytes
        let payload = max(1, slot > 8 ? slot - 8 : slot)
        tasks[task].chunksLeft = bytes <= slot ? 1 : (bytes + payload - 1) / payload
        switch channels.rings[ring].transport {
        case .linux, .popcorn:
            tasks[task].phase = 0
        case .urpc:
            tasks[task].phase = urpcClaim(ring: ring, task: task) ? 1 : 0
        }
    }

    /// Takes the next URPC sequence number if the sender believes a slot is free.
    private mutating func urpcClaim(ring ri: Int, task: Int) -> Bool {
        guard channels.rings[ri].nextSeq &- channels.rings[ri].knownAck < UInt64(channels.rings[ri].slots) else { return false }
        tasks[task].scratch = channels.rings[ri].nextSeq
        channels.rings[ri].nextSeq &+= 1
        return true
    }

    func slotLine(_ r: RingState, _ seq: UInt64) -> LineID { r.slotBase + LineID(Int(seq % UInt64(r.slots))) }

    mutating func sendOp(task: Int) -> Operation {
        let ri = tasks[task].target
        let phase = tasks[task].phase
        // The publishing store first, before a copy of the ring would make its stamps copy arrays.
        switch (channels.rings[ri].transport, phase) {
        case (.linux, 3), (.urpc, 2):
            return publishStore(ring: ri, seq: tasks[task].scratch, task: task, word: tasks[task].scratch + 1)
        case (.popcorn, 2):
            let last = tasks[task].chunksLeft <= 1 ? Self.lastChunk : 0
            return publishStore(ring: ri, seq: tasks[task].scratch, task: task, word: (tasks[task].scratch + 1) | last)
        default: break
        }
        let r = channels.rings[ri]
        switch r.transport {
        case .linux:
            switch phase {
            case 0: return .load(r.head)
            case 1: return .load(r.tail)
            case 2: return .compareAndSwap(r.head, expected: tasks[task].scratch, new: tasks[task].scratch + 1)
            case 4: return .sendIPI(cpu: Int32(r.receiverCPU), vector: r.vector)
            case 6: return .delay(Self.timeoutPoll)
            default: return waitForChange(r, r.tail, from: tasks[task].scratch2)
            }
        case .popcorn:
            switch phase {
            case 0: return .fetchAdd(r.head, 1)
            case 1: return .load(r.tail)
            case 3: return .load(r.activeLine)
            case 4: return .sendIPI(cpu: Int32(r.receiverCPU), vector: r.vector)
            default: return .spinWhile(r.tail, mask: .max, equals: tasks[task].scratch2)
            }
        case .urpc:
            switch phase {
            case 0: return .load(r.ackLine)
            case 1: return .delay(r.stub)
            case 4: return .delay(Self.timeoutPoll)
            default: return waitForChange(r, r.ackLine, from: r.knownAck)
            }
        }
    }

    /// How often a sender with a timeout looks at a full ring again.
    static let timeoutPoll = Picoseconds(us: 1)

    /// Wait for `line` to move from `value`: spin, or with a timeout, look once (the
    /// caller's finish decides between looking again, retrying and giving up).
    func waitForChange(_ r: RingState, _ line: LineID, from value: UInt64) -> Operation {
        r.timeout > .zero ? .load(line) : .spinWhile(line, mask: .max, equals: value)
    }

    /// With a timeout, after looking at a full ring's `line` and finding `old`: the phase to
    /// go to (`retry` if it moved, `pause` to look again later), or nil to give up. A
    /// heartbeat gives up at once: the next period sends a fresh one.
    mutating func afterLook(task: Int, ring ri: Int, old: UInt64, unchanged: UInt64, retry: UInt8, pause: UInt8, at t: Picoseconds) -> UInt8? {
        if channels.rings[ri].timeout == .zero || old != unchanged { return retry }
        if t - tasks[task].frameStart >= channels.rings[ri].timeout || KernelThreadRole(tag: tasks[task].messageTag).family == .heartbeat {
            channels.rings[ri].dropped &+= 1
            return nil
        }
        return pause
    }

    /// Popcorn: after a chunk and its notification, the next chunk takes its own ticket;
    /// true when the message is all sent.
    private mutating func nextChunk(task: Int) -> Bool {
        guard tasks[task].chunksLeft > 1 else { return true }
        tasks[task].chunksLeft -= 1
        tasks[task].phase = 0
        return false
    }

    /// The store that publishes slot `seq`: the slot's tag and send time are written as it
    /// is issued, since the directory makes the store visible then and the receiver may read
    /// the slot before the store completes (the slot's previous message is fully handled:
    /// the sender saw the tail past it).
    private mutating func publishStore(ring ri: Int, seq: UInt64, task: Int, word: UInt64) -> Operation {
        let slot = Int(seq % UInt64(channels.rings[ri].slots))
        channels.rings[ri].sentAt[slot] = tasks[task].frameStart
        channels.rings[ri].tags[slot] = tasks[task].messageTag
        return .store(slotLine(channels.rings[ri], seq), word)
    }

    /// Counts a message as sent once its publishing store is done.
    private mutating func published(ring ri: Int, task: Int) {
        channels.rings[ri].sent &+= 1
        channels.rings[ri].bytes &+= UInt64(tasks[task].messageBytes)
        observe(.messageSent(ring: ri, cpu: tasks[task].cpu, family: KernelThreadRole(tag: tasks[task].messageTag).family), at: now)
    }

    /// A slot's word: its sequence number + 1, with the last-chunk flag on a message's last
    /// slot (every slot of linux and urpc rings, which do not split messages).
    static let lastChunk: UInt64 = 1 << 62

    mutating func sendFinish(task: Int, cpu c: Int, outcome: AccessOutcome?, at t: Picoseconds) -> Bool {
        let ri = tasks[task].target
        let old = outcome?.oldValue ?? 0
        let slots = UInt64(channels.rings[ri].slots)
        let phase = tasks[task].phase
        switch channels.rings[ri].transport {
        case .linux:
            switch phase {
            case 0:
                tasks[task].scratch = old
                tasks[task].phase = 1
            case 1:
                tasks[task].scratch2 = old
                if tasks[task].scratch &- old >= slots {
                    channels.rings[ri].fullStalls &+= 1
                    tasks[task].phase = 5
                } else {
                    tasks[task].phase = 2
                }
            case 2:
                tasks[task].phase = outcome?.succeeded == true ? 3 : 0
            case 3:
                published(ring: ri, task: task)
                tasks[task].phase = 4
            case 4:
                channels.rings[ri].ipis &+= 1
                return true
            case 6:
                tasks[task].phase = 5
            default:
                guard let next = afterLook(task: task, ring: ri, old: old, unchanged: tasks[task].scratch2, retry: 0, pause: 6, at: t) else {
                    return true  // dropped
                }
                tasks[task].phase = next
            }
        case .popcorn:
            switch phase {
            case 0:
                tasks[task].scratch = old  // the ticket
                tasks[task].phase = 1
            case 1, 5:
                tasks[task].scratch2 = old
                if phase == 1 && tasks[task].scratch &- old >= slots {
                    channels.rings[ri].fullStalls &+= 1
                    tasks[task].phase = 5
                } else if phase == 5 {
                    tasks[task].phase = 1  // tail moved: look again
                } else {
                    tasks[task].phase = 2
                }
            case 2:
                if tasks[task].chunksLeft <= 1 { published(ring: ri, task: task) }
                tasks[task].phase = 3
            case 3:
                // After each chunk: an IPI unless the receiver is draining (and will see it),
                // so that a long message never waits on a ring the receiver does not know about.
                if old != 0 { return nextChunk(task: task) }
                tasks[task].phase = 4
            default:
                channels.rings[ri].ipis &+= 1
                return nextChunk(task: task)
            }
        case .urpc:
            switch phase {
            case 0:
                channels.rings[ri].knownAck = max(channels.rings[ri].knownAck, old)
                if urpcClaim(ring: ri, task: task) {
                    tasks[task].phase = 1
                } else {
                    channels.rings[ri].fullStalls &+= 1
                    tasks[task].phase = 3
                }
            case 1:
                tasks[task].phase = 2
            case 2:
                published(ring: ri, task: task)
                return true
            case 4:
                tasks[task].phase = 3
            default:
                guard let next = afterLook(task: task, ring: ri, old: old, unchanged: channels.rings[ri].knownAck, retry: 0, pause: 4, at: t) else {
                    return true  // dropped before it took a slot
                }
                tasks[task].phase = next
            }
        }
        return false
    }

    /// Handlers of TLB shootdown requests and devices, kept out of `handlerOp` so that the
    /// IPI ring's and the channels' paths stay as lean as they were (their array accesses
    /// cost the common path ~10% when inlined there).
    @inline(never)
    mutating func rareHandlerOp(_ c: Int, vector v: UInt8, phase: UInt8) -> Operation? {
        if v == Vectors.tlbShootdown {
            guard let head = tlb.requests[c].first else { return nil }
            return phase == 0 ? .delay(head.invalidate) : .fetchAdd(head.ack, 1)
        }
        return phase == 0 ? .delay(devices[Int(v - Vectors.deviceBase)].config.handling) : nil
    }

    /// Invalidate, acknowledge, then the next request queued here (one IPI can carry several).
    @inline(never)
    mutating func shootdownHandlerFinish(_ c: Int) {
        if cpus[c].handlerPhase == 0 { cpus[c].handlerPhase = 1 } else {
            tlb.requests[c].removeFirst()
            cpus[c].handlerPhase = 0
        }
    }

    /// A message has reached its receiver at `t`: counted by family, and a kernel's own
    /// message acted on (a RESOURCE brings the move's CPUs up, its ACK completes the move).
    mutating func delivered(tag: UInt32, ring ri: Int, cpu: Int, latency: Picoseconds, at t: Picoseconds) {
        let message = KernelThreadRole(tag: tag)
        channels.rings[ri].deliveredByFamily[Int(message.family.rawValue)] &+= 1
        observe(.messageDelivered(ring: ri, cpu: cpu, family: message.family, latency: latency), at: t)
        let subject = Int32(message.subject)
        switch message.family {
        case .resource: queue.push(at: t, target: subject, kind: EventKind.move.rawValue, tag: MoveStep.resource)
        case .ack: queue.push(at: t, target: subject, kind: EventKind.move.rawValue, tag: MoveStep.ack)
        case .shutdown: queue.push(at: t, target: subject, kind: EventKind.panic.rawValue, tag: 2)
        default: break
        }
    }

    // MARK: URPC receive (a polling task)

    mutating func beginReceiveFrame(task: Int, cpu c: Int, channel: Int, at t: Picoseconds) {
        let k = tasks[task].kernel
        let ri = channels.receiveRing(channel: channel, to: k)
        tasks[task].frame = .channelReceive
        tasks[task].target = ri
        tasks[task].phase = 0
        tasks[task].frameStart = t
        tasks[task].scratch = channels.rings[ri].recvSeq  // the message this task takes
        channels.rings[ri].recvSeq &+= 1
    }

    mutating func receiveOp(task: Int) -> Operation {
        let r = channels.rings[tasks[task].target]
        let seq = tasks[task].scratch
        switch tasks[task].phase {
        case 0:
            // Spinning re-reads the slot when it is written; a poll interval (or a timeout,
            // which needs the clock checked) looks once per interval.
            let polls = r.pollInterval > .zero || r.timeout > .zero
            return polls ? .load(slotLine(r, seq)) : .spinUntil(slotLine(r, seq), mask: .max, equals: seq + 1)
        case 1: return .delay(r.pollInterval > .zero ? r.pollInterval : Self.timeoutPoll)
        case 2: return .delay(r.stub)
        default: return .store(r.ackLine, seq + 1)
        }
    }

    mutating func receiveFinish(task: Int, outcome: AccessOutcome?, at t: Picoseconds) -> Bool {
        let ri = tasks[task].target
        let seq = tasks[task].scratch
        switch tasks[task].phase {
        case 0:
            if outcome?.oldValue == seq + 1 {
                tasks[task].phase = 2
            } else if channels.rings[ri].timeout > .zero && t - tasks[task].frameStart >= channels.rings[ri].timeout {
                channels.rings[ri].receiveTimeouts &+= 1  // the sender is gone (or too slow): stop waiting
                return true
            } else {
                tasks[task].phase = 1
            }
        case 1:
            tasks[task].phase = 0
        case 2:
            let latency = t - channels.rings[ri].sentAt[Int(seq % UInt64(channels.rings[ri].slots))]
            _ = channels.rings[ri].latency.record(latency.raw)
            channels.rings[ri].delivered &+= 1
            channels.rings[ri].slotsTaken &+= 1
            channels.rings[ri].lastDelivered = t
            delivered(tag: channels.rings[ri].tags[Int(seq % UInt64(channels.rings[ri].slots))], ring: ri, cpu: tasks[task].cpu, latency: latency, at: t)
            // Slots go back to the sender in batches of half a ring.
            let batch = UInt64(max(1, channels.rings[ri].slots / 2))
            if (seq + 1) % batch == 0 { tasks[task].phase = 3 } else { return true }
        default:
            return true
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
        // Rare vectors out of line, and laid out away from the ring's and channels' paths.
        if _slowPath(v == Vectors.tlbShootdown || v & 0xF0 == Vectors.deviceBase) { return rareHandlerOp(c, vector: v, phase: phase) }
        if v >= Vectors.channelBase && Int(v - Vectors.channelBase) < channels.rings.count {
            return drainOp(c, ring: Int(v - Vectors.channelBase), phase: phase)
        }
        return nil
    }

    /// A channel's drain, out of line so that the IPI ring's path above keeps its registers.
    @inline(never)
    mutating func drainOp(_ c: Int, ring ri: Int, phase: UInt8) -> Operation? {
        // Fields read in place: a copy of the ring would retain its arrays.
        let tail = cpus[c].handlerScratch
        switch phase {
        case DrainPhase.entry:
            if channels.rings[ri].transport == .popcorn { return .store(channels.rings[ri].activeLine, 1) }
            cpus[c].handlerPhase = DrainPhase.readTail
            return .load(channels.rings[ri].tail)
        case DrainPhase.readTail: return .load(channels.rings[ri].tail)
        case DrainPhase.readSlot, DrainPhase.recheck: return .load(channels.rings[ri].slotBase + LineID(Int(tail % UInt64(channels.rings[ri].slots))))
        case DrainPhase.handle: return .delay(channels.rings[ri].handling)
        case DrainPhase.reply:
            // A page server's answer: counted on the faulting thread's reply line (in its
            // instance's memory).
            let tag = channels.rings[ri].tags[Int(tail % UInt64(channels.rings[ri].slots))]
            return .fetchAdd(tasks[KernelThreadRole(tag: tag).subject].replyLine, 1)
        case DrainPhase.advance: return .store(channels.rings[ri].tail, tail + 1)
        case DrainPhase.clearActive: return .store(channels.rings[ri].activeLine, 0)
        default: return nil
        }
    }

    mutating func handlerFinish(cpu c: Int, outcome: AccessOutcome?, at t: Picoseconds) {
        let v = cpus[c].vector
        if v == Vectors.ring || v == Vectors.broadcast {
            cpus[c].handlerPhase &+= 1
            return
        }
        if _slowPath(v & 0xF0 == Vectors.deviceBase) {
            cpus[c].handlerPhase &+= 1
            return
        }
        if _slowPath(v == Vectors.tlbShootdown) {
            shootdownHandlerFinish(c)
            return
        }
        let ri = Int(v &- Vectors.channelBase)
        let old = outcome?.oldValue ?? 0
        let popcorn = channels.rings[ri].transport == .popcorn
        switch cpus[c].handlerPhase {
        case DrainPhase.entry:
            cpus[c].handlerPhase = DrainPhase.readTail
        case DrainPhase.readTail:
            cpus[c].handlerScratch = old
            cpus[c].handlerPhase = DrainPhase.readSlot
        case DrainPhase.readSlot:
            // Published slots hold their sequence number + 1.
            if old & ~Self.lastChunk == cpus[c].handlerScratch + 1 {
                channels.rings[ri].slotsTaken &+= 1
                if !popcorn || old & Self.lastChunk != 0 {  // a message's last (or only) slot: it is complete
                    let slot = Int(cpus[c].handlerScratch % UInt64(channels.rings[ri].slots))
                    let latency = t - channels.rings[ri].sentAt[slot]
                    _ = channels.rings[ri].latency.record(latency.raw)
                    channels.rings[ri].delivered &+= 1
                    channels.rings[ri].lastDelivered = t
                    delivered(tag: channels.rings[ri].tags[slot], ring: ri, cpu: c, latency: latency, at: t)
                }
                cpus[c].handlerPhase = DrainPhase.handle
            } else {
                // Empty. Popcorn clears its draining flag, then looks once more, since a
                // sender that saw the flag set sent no IPI.
                cpus[c].handlerPhase = popcorn ? DrainPhase.clearActive : DrainPhase.done
            }
        case DrainPhase.handle:
            let tag = channels.rings[ri].tags[Int(cpus[c].handlerScratch % UInt64(channels.rings[ri].slots))]
            let family = KernelThreadRole(tag: tag).family
            // A message split into chunks (popcorn) is acted on at its last chunk (looked at
            // only for the families acted on here).
            let whole = family.rawValue < MessageFamily.page.rawValue || channels.rings[ri].transport != .popcorn
                || directory.peekValue(slotLine(channels.rings[ri], cpus[c].handlerScratch)) & Self.lastChunk != 0
            switch whole ? family : .data {
            case .page, .invalidate:
                // For the instance's page server to answer (Popcorn hands them to a worker).
                queuePageRequest(tag: tag, kernel: channels.rings[ri].to, cpu: c, at: t)
                cpus[c].handlerPhase = DrainPhase.advance
            case .pageReply: cpus[c].handlerPhase = DrainPhase.reply
            default: cpus[c].handlerPhase = DrainPhase.advance
            }
        case DrainPhase.reply:
            let tag = channels.rings[ri].tags[Int(cpus[c].handlerScratch % UInt64(channels.rings[ri].slots))]
            pageAnswered(task: KernelThreadRole(tag: tag).subject, cpu: c, at: t)
            cpus[c].handlerPhase = DrainPhase.advance
        case DrainPhase.advance:
            cpus[c].handlerCount += 1
            if cpus[c].handlerCount < channels.rings[ri].budget {
                cpus[c].handlerPhase = DrainPhase.readTail
            } else {
                // Budget spent: leave the rest for a fresh pass, as a re-raised interrupt.
                apic.markPending(cpu: c, vector: v)
                cpus[c].handlerPhase = popcorn ? DrainPhase.clearActive : DrainPhase.done
            }
        case DrainPhase.clearActive:
            cpus[c].handlerPhase = cpus[c].handlerCount < channels.rings[ri].budget ? DrainPhase.recheck : DrainPhase.done
        case DrainPhase.recheck:
            cpus[c].handlerPhase = old & ~Self.lastChunk == cpus[c].handlerScratch + 1 ? DrainPhase.entry : DrainPhase.done
        default:
            break
        }
    }
}

/// Steps of a channel's interrupt-context drain (`CPUState.handlerPhase`).
enum DrainPhase {
    static let entry: UInt8 = 0
    static let readTail: UInt8 = 1
    static let readSlot: UInt8 = 2
    static let handle: UInt8 = 3
    static let advance: UInt8 = 4
    static let clearActive: UInt8 = 5
    static let recheck: UInt8 = 6
    static let done: UInt8 = 7
    /// After handling a page server's answer: counting it for the thread that waits.
    static let reply: UInt8 = 8
}
