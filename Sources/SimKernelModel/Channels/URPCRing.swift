import SimCPU
import SimMachine

/// urpc transport (Barrelfish's user-level RPC): one sender and one receiving task per
/// direction. The sender claims the next sequence number privately, marshals, and writes
/// the slot's line (payload and header in one line); no IPI. When the ring looks full it
/// reads the receiver's acknowledgement line first. The receiver polls the next slot,
/// unmarshals, and acknowledges freed slots in batches of half a ring.
enum URPCSendPhase: UInt8 {
    case readAck, marshal, publish
    /// The ring looked full: wait for the acknowledgement line to move.
    case waitFull
    /// With a timeout: pause before looking again.
    case pauseFull
}

enum URPCReceivePhase: UInt8 {
    /// Look at (or spin on) the next slot.
    case poll
    /// Between looks: the poll interval (or the timeout's clock check).
    case pause
    case unmarshal
    /// Give half a ring of slots back on the acknowledgement line.
    case acknowledge
}

extension TaskState {
    /// The channel-send and channel-receive frames of a urpc ring, over the phase byte.
    var urpcSend: URPCSendPhase {
        get { URPCSendPhase(rawValue: frame.phase)! }
        set { frame.phase = newValue.rawValue }
    }
    var urpcReceive: URPCReceivePhase {
        get { URPCReceivePhase(rawValue: frame.phase)! }
        set { frame.phase = newValue.rawValue }
    }
}

extension Simulation {
    /// Takes the next URPC sequence number if the sender believes a slot is free.
    mutating func urpcClaim(ring ri: Int, task: Int) -> Bool {
        guard channels.rings[ri].seq.nextSeq &- channels.rings[ri].seq.knownAck < UInt64(channels.rings[ri].slots) else { return false }
        tasks[task].frame.scratch = channels.rings[ri].seq.nextSeq
        channels.rings[ri].seq.nextSeq &+= 1
        return true
    }

    mutating func urpcSendOp(task: Int, ring ri: Int) -> Operation {
        let phase = tasks[task].urpcSend
        if phase == .publish { return publishStore(ring: ri, seq: tasks[task].frame.scratch, task: task, word: tasks[task].frame.scratch + 1) }
        let r = channels.rings[ri]
        switch phase {
        case .readAck: return .load(r.ackLine)
        case .marshal: return .delay(r.stub)
        case .pauseFull: return .delay(Self.timeoutPoll)
        case .waitFull, .publish: return waitForChange(r, r.ackLine, from: r.seq.knownAck)
        }
    }

    /// Returns true when the send is over (sent, or dropped after its timeout).
    mutating func urpcSendFinish(task: Int, ring ri: Int, old: UInt64, at t: Picoseconds) -> Bool {
        switch tasks[task].urpcSend {
        case .readAck:
            channels.rings[ri].seq.knownAck = max(channels.rings[ri].seq.knownAck, old)
            if urpcClaim(ring: ri, task: task) {
                tasks[task].urpcSend = .marshal
            } else {
                channels.rings[ri].stats.fullStalls &+= 1
                tasks[task].urpcSend = .waitFull
            }
        case .marshal:
            tasks[task].urpcSend = .publish
        case .publish:
            published(ring: ri, task: task)
            return true
        case .pauseFull:
            tasks[task].urpcSend = .waitFull
        case .waitFull:
            guard let next = afterLook(task: task, ring: ri, old: old, unchanged: channels.rings[ri].seq.knownAck,
                                       retry: URPCSendPhase.readAck.rawValue, pause: URPCSendPhase.pauseFull.rawValue, at: t) else {
                return true  // dropped before it took a slot
            }
            tasks[task].frame.phase = next
        }
        return false
    }

    // MARK: Receiving (a polling task)

    mutating func beginReceiveFrame(task: Int, cpu c: Int, channel: Int, at t: Picoseconds) {
        let k = tasks[task].kernel
        let ri = channels.receiveRing(channel: channel, to: k)
        tasks[task].frame.kind = .channelReceive
        tasks[task].frame.target = ri
        tasks[task].urpcReceive = .poll
        tasks[task].frame.frameStart = t
        tasks[task].frame.scratch = channels.rings[ri].seq.recvSeq  // the message this task takes
        channels.rings[ri].seq.recvSeq &+= 1
        tasks[task].messaging.waitset = 0
        tasks[task].messaging.lastChannel = Int32(channel)
    }

    /// A waitset receive: poll the next slot of each channel in turn, round after round, and
    /// take the first message found (Barrelfish's `event_dispatch` over a waitset of URPC
    /// channels). Each poll is a load of that channel's next slot: a hit while nothing came,
    /// a miss once the sender's write took the line away.
    mutating func beginWaitsetFrame(task: Int, waitset: Int, at t: Picoseconds) {
        tasks[task].frame.kind = .channelReceive
        tasks[task].urpcReceive = .poll
        tasks[task].frame.frameStart = t
        tasks[task].messaging.waitset = UInt16(waitset + 1)
        lookAtWaitsetChannel(task: task)
    }

    /// Points the frame at the ring of the waitset channel under the cursor, its next message.
    private mutating func lookAtWaitsetChannel(task: Int) {
        let w = Int(tasks[task].messaging.waitset) - 1
        let channel = channels.waitsets[w][Int(tasks[task].messaging.waitsetCursor)]
        let ri = channels.receiveRing(channel: channel, to: tasks[task].kernel)
        tasks[task].frame.target = ri
        tasks[task].frame.scratch = channels.rings[ri].seq.recvSeq  // not claimed until found
    }

    mutating func receiveOp(task: Int) -> Operation {
        let r = channels.rings[tasks[task].frame.target]
        let seq = tasks[task].frame.scratch
        switch tasks[task].urpcReceive {
        case .poll:
            // Spinning re-reads the slot when it is written; a poll interval (or a timeout,
            // which needs the clock checked) looks once per interval.
            let polls = r.pollInterval > .zero || r.timeout > .zero || tasks[task].messaging.waitset > 0
            return polls ? .load(slotLine(r, seq)) : .spinUntil(slotLine(r, seq), mask: .max, equals: seq + 1)
        case .pause: return .delay(r.pollInterval > .zero ? r.pollInterval : Self.timeoutPoll)
        case .unmarshal: return .delay(r.stub)
        case .acknowledge: return .store(r.ackLine, seq + 1)
        }
    }

    /// Returns true when the message is taken (or the wait timed out).
    mutating func receiveFinish(task: Int, outcome: AccessOutcome?, at t: Picoseconds) -> Bool {
        let ri = tasks[task].frame.target
        let seq = tasks[task].frame.scratch
        switch tasks[task].urpcReceive {
        case .poll where tasks[task].messaging.waitset > 0:
            let w = Int(tasks[task].messaging.waitset) - 1
            if outcome?.oldValue == seq + 1 && seq == channels.rings[ri].seq.recvSeq {
                channels.rings[ri].seq.recvSeq &+= 1  // this message is the task's now
                tasks[task].messaging.lastChannel = Int32(channels.waitsets[w][Int(tasks[task].messaging.waitsetCursor)])
                tasks[task].urpcReceive = .unmarshal
            } else {
                // Nothing there: the next channel; after a whole round, a pause.
                tasks[task].messaging.waitsetCursor = (tasks[task].messaging.waitsetCursor + 1) % Int32(channels.waitsets[w].count)
                if tasks[task].messaging.waitsetCursor == 0 { tasks[task].urpcReceive = .pause }
            }
            // The next round starts at the channel after the one served (fairness).
            if tasks[task].urpcReceive == .unmarshal {
                tasks[task].messaging.waitsetCursor = (tasks[task].messaging.waitsetCursor + 1) % Int32(channels.waitsets[w].count)
            } else {
                lookAtWaitsetChannel(task: task)
            }
        case .poll:
            if outcome?.oldValue == seq + 1 {
                tasks[task].urpcReceive = .unmarshal
            } else if channels.rings[ri].timeout > .zero && t - tasks[task].frame.frameStart >= channels.rings[ri].timeout {
                channels.rings[ri].stats.receiveTimeouts &+= 1  // the sender is gone (or too slow): stop waiting
                return true
            } else {
                tasks[task].urpcReceive = .pause
            }
        case .pause:
            tasks[task].urpcReceive = .poll
        case .unmarshal:
            let slot = Int(seq % UInt64(channels.rings[ri].slots))
            let latency = t - channels.rings[ri].sentAt[slot]
            _ = channels.rings[ri].stats.latency.record(latency.raw)
            channels.rings[ri].stats.delivered &+= 1
            channels.rings[ri].stats.slotsTaken &+= 1
            channels.rings[ri].stats.lastDelivered = t
            delivered(tag: channels.rings[ri].tags[slot], ring: ri, cpu: tasks[task].cpu, latency: latency, at: t)
            // Slots go back to the sender in batches of half a ring.
            let batch = UInt64(max(1, channels.rings[ri].slots / 2))
            if (seq + 1) % batch == 0 { tasks[task].urpcReceive = .acknowledge } else { return true }
        case .acknowledge:
            return true
        }
        return false
    }
}
