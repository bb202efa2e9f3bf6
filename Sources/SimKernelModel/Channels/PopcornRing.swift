import SimCPU
import SimMachine

/// popcorn transport (Popcorn Linux's message layer), the sender's side: take a ticket by
/// atomic add on head, wait for that slot to be free, publish, then read the receiver's
/// draining flag and send an IPI only if it is clear. A message longer than a slot goes as
/// one-slot chunks, each with its own ticket. The receiver is the drain (`Drain.swift`).
enum PopcornSendPhase: UInt8 {
    case takeTicket, readTail, publish, readDraining, notify
    /// The ticket's slot is still taken: spin until tail moves, then look again.
    case waitFull
}

extension TaskState {
    /// The channel-send frame of a popcorn ring, over the frame's phase byte.
    var popcornSend: PopcornSendPhase {
        get { PopcornSendPhase(rawValue: frame.phase)! }
        set { frame.phase = newValue.rawValue }
    }
}

extension Simulation {
    mutating func popcornSendOp(task: Int, ring ri: Int) -> Operation {
        let phase = tasks[task].popcornSend
        if phase == .publish {
            let last = tasks[task].messaging.chunksLeft <= 1 ? Self.lastChunk : 0
            return publishStore(ring: ri, seq: tasks[task].frame.scratch, task: task, word: (tasks[task].frame.scratch + 1) | last)
        }
        let r = channels.rings[ri]
        switch phase {
        case .takeTicket: return .fetchAdd(r.head, 1)
        case .readTail: return .load(r.tail)
        case .readDraining: return .load(r.activeLine)
        case .notify: return .sendIPI(cpu: Int32(r.receiverCPU), vector: r.vector)
        case .waitFull, .publish: return .spinWhile(r.tail, mask: .max, equals: tasks[task].frame.scratch2)
        }
    }

    /// Returns true when the whole message is sent.
    mutating func popcornSendFinish(task: Int, ring ri: Int, old: UInt64) -> Bool {
        switch tasks[task].popcornSend {
        case .takeTicket:
            tasks[task].frame.scratch = old  // the ticket
            tasks[task].popcornSend = .readTail
        case .readTail:
            tasks[task].frame.scratch2 = old
            if tasks[task].frame.scratch &- old >= UInt64(channels.rings[ri].slots) {
                channels.rings[ri].stats.fullStalls &+= 1
                tasks[task].popcornSend = .waitFull
            } else {
                tasks[task].popcornSend = .publish
            }
        case .waitFull:
            tasks[task].frame.scratch2 = old
            tasks[task].popcornSend = .readTail  // tail moved: look again
        case .publish:
            if tasks[task].messaging.chunksLeft <= 1 { published(ring: ri, task: task) }
            tasks[task].popcornSend = .readDraining
        case .readDraining:
            // After each chunk: an IPI unless the receiver is draining (and will see it),
            // so that a long message never waits on a ring the receiver does not know about.
            if old != 0 { return nextChunk(task: task) }
            tasks[task].popcornSend = .notify
        case .notify:
            channels.rings[ri].stats.ipis &+= 1
            return nextChunk(task: task)
        }
        return false
    }

    /// After a chunk and its notification, the next chunk takes its own ticket; true when
    /// the message is all sent.
    private mutating func nextChunk(task: Int) -> Bool {
        guard tasks[task].messaging.chunksLeft > 1 else { return true }
        tasks[task].messaging.chunksLeft -= 1
        tasks[task].popcornSend = .takeTicket
        return false
    }
}
