import SimCPU
import SimMachine

/// Sending on a channel: the frame every transport shares (finding the ring, splitting a
/// message, publishing a slot, timeouts), dispatched to the transport's own state machine
/// (`LinuxRing.swift`, `PopcornRing.swift`, `URPCRing.swift`). Each is a sequence of memory
/// operations on the ring's simulated lines, so its cost is the coherence model's.
extension Simulation {
    mutating func beginSendFrame(task: Int, cpu c: Int, channel: Int, bytes: UInt32 = 0, at t: Picoseconds) {
        let k = tasks[task].kernel
        let ring = channels.sendRing(channel: channel, from: k)
        tasks[task].frame.kind = .channelSend
        tasks[task].frame.target = ring
        tasks[task].frame.frameStart = t
        // Popcorn splits a message larger than a slot into chunks of a slot's payload (the
        // slot less an 8-byte header); every transport counts the message's own size.
        let slot = UInt32(clamping: channels.rings[ring].slotBytes)
        tasks[task].messaging.messageBytes = bytes == 0 ? slot : bytes
        let payload = max(1, slot > 8 ? slot - 8 : slot)
        tasks[task].messaging.chunksLeft = bytes <= slot ? 1 : (bytes + payload - 1) / payload
        switch channels.rings[ring].transport {
        case .linux: tasks[task].linuxSend = .readHead
        case .popcorn: tasks[task].popcornSend = .takeTicket
        case .urpc: tasks[task].urpcSend = urpcClaim(ring: ring, task: task) ? .marshal : .readAck
        }
    }

    func slotLine(_ r: RingState, _ seq: UInt64) -> LineID { r.slotBase + LineID(Int(seq % UInt64(r.slots))) }

    mutating func sendOp(task: Int) -> Operation {
        let ri = tasks[task].frame.target
        switch channels.rings[ri].transport {
        case .linux: return linuxSendOp(task: task, ring: ri)
        case .popcorn: return popcornSendOp(task: task, ring: ri)
        case .urpc: return urpcSendOp(task: task, ring: ri)
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
        if t - tasks[task].frame.frameStart >= channels.rings[ri].timeout || KernelThreadRole(tag: tasks[task].messaging.messageTag).family == .heartbeat {
            channels.rings[ri].stats.dropped &+= 1
            return nil
        }
        return pause
    }

    /// The store that publishes slot `seq`: the slot's tag and send time are written as it
    /// is issued, since the directory makes the store visible then and the receiver may read
    /// the slot before the store completes (the slot's previous message is fully handled:
    /// the sender saw the tail past it).
    mutating func publishStore(ring ri: Int, seq: UInt64, task: Int, word: UInt64) -> Operation {
        let slot = Int(seq % UInt64(channels.rings[ri].slots))
        channels.rings[ri].sentAt[slot] = tasks[task].frame.frameStart
        channels.rings[ri].tags[slot] = tasks[task].messaging.messageTag
        return .store(slotLine(channels.rings[ri], seq), word)
    }

    /// Counts a message as sent once its publishing store is done.
    mutating func published(ring ri: Int, task: Int) {
        channels.rings[ri].stats.sent &+= 1
        channels.rings[ri].stats.bytes &+= UInt64(tasks[task].messaging.messageBytes)
        observe(.messageSent(ring: ri, cpu: tasks[task].cpu, family: KernelThreadRole(tag: tasks[task].messaging.messageTag).family), at: now)
    }

    /// A slot's word: its sequence number + 1, with the last-chunk flag on a message's last
    /// slot (every slot of linux and urpc rings, which do not split messages).
    static let lastChunk: UInt64 = 1 << 62

    /// Returns true when the send is over.
    mutating func sendFinish(task: Int, cpu c: Int, outcome: AccessOutcome?, at t: Picoseconds) -> Bool {
        let ri = tasks[task].frame.target
        let old = outcome?.oldValue ?? 0
        switch channels.rings[ri].transport {
        case .linux: return linuxSendFinish(task: task, ring: ri, old: old, succeeded: outcome?.succeeded == true, at: t)
        case .popcorn: return popcornSendFinish(task: task, ring: ri, old: old)
        case .urpc: return urpcSendFinish(task: task, ring: ri, old: old, at: t)
        }
    }

    /// A message has reached its receiver at `t`: counted by family, and a kernel's own
    /// message acted on (a RESOURCE brings the move's CPUs up, its ACK completes the move).
    mutating func delivered(tag: UInt32, ring ri: Int, cpu: Int, latency: Picoseconds, at t: Picoseconds) {
        let message = KernelThreadRole(tag: tag)
        channels.rings[ri].stats.deliveredByFamily[Int(message.family.rawValue)] &+= 1
        observe(.messageDelivered(ring: ri, cpu: cpu, family: message.family, latency: latency), at: t)
        let subject = message.subject
        switch message.family {
        case .resource: queue.push(at: t, move: Int(subject), .resource)
        case .ack: queue.push(at: t, move: Int(subject), .ack)
        case .shutdown: queue.push(at: t, kernel: Int(subject), .halt)
        default: break
        }
    }
}
