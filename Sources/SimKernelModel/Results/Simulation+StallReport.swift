import SimCPU
import SimMachine

/// A run that stalls: every task left waits for what cannot come. Without a `duration`,
/// the engine's queue empties (or holds only ticks that change nothing) while tasks still
/// wait; the result says from when (`stalled_ns`) and what each task waits on.
extension Simulation {
    /// After the last event: tasks that have not finished with nothing left to wake them.
    mutating func noteStallIfTasksWait() {
        guard config.duration == nil, progress.stalledSince == nil, queue.count == 0 else { return }
        if tasks.indices.contains(where: { tasks[$0].status != .done && !isServer(task: $0) }) {
            progress.stalledSince = progress.lastActivity
        }
    }

    /// Servers wait for requests by design (a page server, a waitset server): one left
    /// waiting once its clients are done is not stuck.
    func isServer(task t: Int) -> Bool {
        switch tasks[t].generator.kind {
        case .pageServer, .serve: return true
        default: return false
        }
    }

    /// What task `t` waits on, in words, once the run has stalled (nil: it finished, or the
    /// run did not stall).
    func waitsOn(task t: Int) -> String? {
        guard progress.stalledSince != nil else { return nil }
        let task = tasks[t]
        if isServer(task: t) { return nil }
        switch task.status {
        case .done: return nil
        case .pending: return "its start (a spawn that never came, or its kernel never booted)"
        case .runnable: return "a CPU (runnable, never scheduled again)"
        case .running, .sleeping: break
        }
        if task.frame.kind == .lockAcquire, locks.records.indices.contains(task.frame.target) {
            return "lock \(directory.names[Int(locks.records[task.frame.target].line)])"
        }
        if task.frame.kind == .channelReceive, channels.rings.indices.contains(task.frame.target) {
            return "a message on ring \(task.frame.target) (its sender is gone or done)"
        }
        if task.traceThread >= 0, let why = traceWait(task: t) { return why }
        guard task.hasCurrent else { return task.status == .sleeping ? "a wake-up nobody sends" : "nothing it can reach" }
        switch task.current {
        case .threadSync(let kind, let a, _):
            switch TraceSync(rawValue: kind) {
            case .futexWait:
                let r = traces.threads[Int(task.traceThread)].runtime
                let address = traces.processes[r].futexIndex.first { $0.value == Int(a) }?.key
                return "futex " + (address.map { "0x" + String($0, radix: 16) } ?? "#\(a)") + " (no wake left for it in the trace)"
            case .barrier: return "barrier \(a) (not every party arrives)"
            case .wait: return "a wake from another thread of the trace"
            default: return "a trace synchronization"
            }
        case .waitPipe(let p): return "pipe \(p) (no writer left)"
        case .block: return "a wake-up on its wait queue"
        case .spinUntil(let line, _, _), .spinWhile(let line, _, _), .spinCompareAndSwap(let line, _, _):
            return "line \(directory.names[Int(line)]) (spins; nobody writes it)"
        default:
            return task.status == .sleeping ? "a wake-up nobody sends" : "nothing it can reach"
        }
    }

    /// A trace thread's wait: the futex, barrier or wake it sleeps for.
    private func traceWait(task t: Int) -> String? {
        let tt = Int(tasks[t].traceThread)
        let r = traces.threads[tt].runtime
        for (f, futex) in traces.processes[r].futexes.enumerated() where futex.waiters.contains(t) {
            let address = traces.processes[r].futexIndex.first { $0.value == f }?.key
            return "futex " + (address.map { "0x" + String($0, radix: 16) } ?? "#\(f)") + " (no wake left for it in the trace)"
        }
        for (id, barrier) in traces.processes[r].barriers where barrier.waiting.contains(t) {
            return "barrier \(id) (\(barrier.arrived) arrived; not every party comes)"
        }
        if traces.threads[tt].waiting { return "a wake from another thread of the trace" }
        return nil
    }
}
