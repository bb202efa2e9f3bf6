import SimCPU
import SimMachine

/// Kernel-path frames below a syscall (`FrameKind`): each frame kind is run by its
/// mechanism's machine (locks, channels, TLB shootdowns); this is their dispatch.
extension Simulation {
    mutating func frameOp(task: Int, cpu c: Int) -> Operation {
        switch tasks[task].frame.kind {
        case .none:
            preconditionFailure("no frame")
        case .lockAcquire, .lockRelease:
            return lockFrameOp(task: task, cpu: c)
        case .channelSend:
            return sendOp(task: task)
        case .channelReceive:
            return receiveOp(task: task)
        case .tlbShootdown:
            return shootdownOp(task: task, cpu: c)
        }
    }

    /// Advances a frame; returns true when the frame has ended.
    mutating func frameFinish(task: Int, cpu c: Int, outcome: AccessOutcome?, at t: Picoseconds) -> Bool {
        switch tasks[task].frame.kind {
        case .none: return true
        case .channelSend, .channelReceive:
            let done = tasks[task].frame.kind == .channelSend
                ? sendFinish(task: task, cpu: c, outcome: outcome, at: t) : receiveFinish(task: task, outcome: outcome, at: t)
            if done { tasks[task].frame.kind = .none }
            return done
        case .tlbShootdown:
            let done = tasks[task].frame.phase == 1
            if done { tasks[task].frame.kind = .none }
            return done
        case .lockAcquire, .lockRelease:
            return lockFrameFinish(task: task, cpu: c, outcome: outcome, at: t)
        }
    }
}
