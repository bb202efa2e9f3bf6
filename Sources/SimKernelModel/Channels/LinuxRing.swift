import SimCPU
import SimMachine

/// linux transport, the sender's side: read head and tail, claim a slot by CAS on head,
/// publish the payload with a release store of the slot's sequence number, send one IPI.
/// A full ring stalls the sender until tail moves (or, with a timeout, until it gives up).
/// The receiver is the drain (`Drain.swift`).
enum LinuxSendPhase: UInt8 {
    case readHead, readTail, claim, publish, notify
    /// The ring was full: wait for tail to move (spin, or look once with a timeout).
    case waitFull
    /// With a timeout: pause before looking again.
    case pauseFull
}

extension TaskState {
    /// The channel-send frame of a linux ring, over the frame's phase byte.
    var linuxSend: LinuxSendPhase {
        get { LinuxSendPhase(rawValue: frame.phase)! }
        set { frame.phase = newValue.rawValue }
    }
}

extension Simulation {
    mutating func linuxSendOp(task: Int, ring ri: Int) -> Operation {
        let phase = tasks[task].linuxSend
        // The publishing store first, before a copy of the ring would make its stamps copy arrays.
        if phase == .publish { return publishStore(ring: ri, seq: tasks[task].frame.scratch, task: task, word: tasks[task].frame.scratch + 1) }
        let r = channels.rings[ri]
        switch phase {
        case .readHead: return .load(r.head)
        case .readTail: return .load(r.tail)
        case .claim: return .compareAndSwap(r.head, expected: tasks[task].frame.scratch, new: tasks[task].frame.scratch + 1)
        case .notify: return .sendIPI(cpu: Int32(r.receiverCPU), vector: r.vector)
        case .pauseFull: return .delay(Self.timeoutPoll)
        case .waitFull, .publish: return waitForChange(r, r.tail, from: tasks[task].frame.scratch2)
        }
    }

    /// Returns true when the send is over (sent, or dropped after its timeout).
    mutating func linuxSendFinish(task: Int, ring ri: Int, old: UInt64, succeeded: Bool, at t: Picoseconds) -> Bool {
        switch tasks[task].linuxSend {
        case .readHead:
            tasks[task].frame.scratch = old
            tasks[task].linuxSend = .readTail
        case .readTail:
            tasks[task].frame.scratch2 = old
            if tasks[task].frame.scratch &- old >= UInt64(channels.rings[ri].slots) {
                channels.rings[ri].stats.fullStalls &+= 1
                tasks[task].linuxSend = .waitFull
            } else {
                tasks[task].linuxSend = .claim
            }
        case .claim:
            tasks[task].linuxSend = succeeded ? .publish : .readHead
        case .publish:
            published(ring: ri, task: task)
            tasks[task].linuxSend = .notify
        case .notify:
            channels.rings[ri].stats.ipis &+= 1
            return true
        case .pauseFull:
            tasks[task].linuxSend = .waitFull
        case .waitFull:
            guard let next = afterLook(task: task, ring: ri, old: old, unchanged: tasks[task].frame.scratch2,
                                       retry: LinuxSendPhase.readHead.rawValue, pause: LinuxSendPhase.pauseFull.rawValue, at: t) else {
                return true  // dropped
            }
            tasks[task].frame.phase = next
        }
        return false
    }
}
