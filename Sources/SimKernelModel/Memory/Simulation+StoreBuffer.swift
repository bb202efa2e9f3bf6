import SimCPU
import SimMachine

/// What an operation does about its core's store buffer before it runs.
enum StoreBufferGate {
    /// Nothing (or the wait is over on the core's clock): the operation runs as usual.
    case proceed
    /// The buffer took it (a store) or answered it (a forwarded load): the operation is done.
    case done
    /// The core waits for the buffer to drain; a drain event resumes it.
    case wait
}

/// Store buffers (x86-TSO, `StoreBuffers`): plain stores retire into the buffer and the core
/// goes on; the buffer writes them to the caches oldest first, each a coherence access at
/// the engine's time, so another core sees a store only once it has drained. A core's load
/// of a line it has buffered takes the buffered value. Locked operations, fences and IPI
/// sends drain the buffer first (Linux fences before an x2APIC ICR write; an xAPIC ICR write
/// is an uncached store, ordered after the buffered ones).
///
/// Invariant: while the buffer holds an entry whose access has not started, or a started
/// oldest entry with others or a waiting core behind it, one drain event is pending.
extension Simulation {
    /// Runs before the operation `op` of core `c` at its clock `t` (may advance `t`).
    @inline(never)
    mutating func storeBufferGate(_ op: Operation, cpu c: Int, task: Int, at t: inout Picoseconds) -> StoreBufferGate {
        switch op {
        case .store(let line, let v):
            return bufferStore(cpu: c, task: task, line: line, update: .set(v), at: &t)
        case .storeField(let line, let mask, let v):
            return bufferStore(cpu: c, task: task, line: line, update: .setBits(mask: mask, value: v), at: &t)
        case .load(let line), .streamLoad(let line):
            if storeBuffers.isEmpty(c) { return .proceed }
            storeBuffers.retireIfDone(c, by: t)
            switch storeBuffers.forward(c, line: line) {
            case .miss:
                return .proceed
            case .value(let v):
                t += storeBuffers.forwardLatency
                storeBuffers.forwarded &+= 1
                finish(task: task, cpu: c, outcome: AccessOutcome(completion: t, oldValue: v, succeeded: true, hasWaiters: false, source: .hit), at: t)
                return .done
            case .blocked:
                return drained(cpu: c, at: &t) ? .proceed : .wait
            }
        case .spinUntil(let line, _, _), .spinWhile(let line, _, _):
            // A spin on a line the core itself has a store to buffered: that store first.
            if storeBuffers.isEmpty(c) || !storeBuffers.holds(c, line: line) { return .proceed }
            return drained(cpu: c, at: &t) ? .proceed : .wait
        case .fetchAdd, .compareAndSwap, .exchange, .spinCompareAndSwap, .fence, .sendIPI, .sendIPIGroup:
            if storeBuffers.isEmpty(c) { return .proceed }
            return drained(cpu: c, at: &t) ? .proceed : .wait
        default:
            return .proceed
        }
    }

    /// A plain store retires into the buffer (after a slot frees, if it is full).
    private mutating func bufferStore(cpu c: Int, task: Int, line: LineID, update: ValueUpdate, at t: inout Picoseconds) -> StoreBufferGate {
        storeBuffers.retireIfDone(c, by: t)
        if storeBuffers.isFull(c) {
            storeBuffers.fullStalls &+= 1
            guard storeBuffers.cores[c].headStarted else { return beginStoreBufferWait(cpu: c, .slot, from: t) }
            // The oldest entry's access is under way: its completion frees the slot.
            t = max(t, storeBuffers.cores[c].headDone)
            storeBuffers.retireHead(c)
        }
        let wasEmpty = storeBuffers.isEmpty(c)
        storeBuffers.append(c, line: line, update: update, at: t)
        storeBuffers.buffered &+= 1
        if wasEmpty && t == now {
            startOldestStore(cpu: c)  // the common case: written at once, no event
        } else if !storeBuffers.cores[c].drainPending {
            pushDrain(cpu: c, at: storeBuffers.cores[c].headStarted ? storeBuffers.cores[c].headDone : t)
        }
        t += storeBuffers.storeCost
        finish(task: task, cpu: c, outcome: nil, at: t)
        return .done
    }

    /// Whether core `c`'s buffer is empty by its clock `t` (advanced to the completion of the
    /// last access under way, when only that one is left); if not, the core begins to wait.
    private mutating func drained(cpu c: Int, at t: inout Picoseconds) -> Bool {
        storeBuffers.retireIfDone(c, by: t)
        if storeBuffers.isEmpty(c) { return true }
        if storeBuffers.cores[c].count == 1 && storeBuffers.cores[c].headStarted {
            t = max(t, storeBuffers.cores[c].headDone)
            storeBuffers.retireHead(c)
            return true
        }
        storeBuffers.drainWaits &+= 1
        _ = beginStoreBufferWait(cpu: c, .empty, from: t)
        return false
    }

    /// The core stops until its buffer is empty or has a slot; its current operation is
    /// retried then. It takes no interrupt meanwhile (the instruction waiting is not done).
    private mutating func beginStoreBufferWait(cpu c: Int, _ wait: StoreBuffers.Wait, from t: Picoseconds) -> StoreBufferGate {
        storeBuffers.cores[c].waiting = wait
        storeBuffers.cores[c].waitFrom = t
        cpus[c].generation &+= 1
        cpus[c].mode = .scheduled
        cpus[c].resumeAt = now
        if !storeBuffers.cores[c].drainPending {
            pushDrain(cpu: c, at: storeBuffers.cores[c].headStarted ? storeBuffers.cores[c].headDone : max(t, storeBuffers.head(c).issuedAt))
        }
        return .wait
    }

    private mutating func pushDrain(cpu c: Int, at time: Picoseconds) {
        storeBuffers.cores[c].drainPending = true
        queue.push(at: max(time, now), target: Int32(c), kind: EventKind.storeDrain.rawValue)
    }

    /// The oldest entry's coherence access, at the engine's time: the store becomes visible.
    private mutating func startOldestStore(cpu c: Int) {
        let e = storeBuffers.head(c)
        let out = directory.access(e.line, cpu: c, update: e.update, now: now)
        if out.hasWaiters { wakeWaiters(e.line, at: out.completion) }
        storeBuffers.cores[c].headStarted = true
        storeBuffers.cores[c].headDone = out.completion
    }

    /// A drain event of core `c`: retire what is done, start the next store, resume a core
    /// whose wait is over.
    mutating func drainStoreBuffer(cpu c: Int) {
        storeBuffers.cores[c].drainPending = false
        storeBuffers.retireIfDone(c, by: now)
        if !storeBuffers.isEmpty(c) && !storeBuffers.cores[c].headStarted {
            let issued = storeBuffers.head(c).issuedAt
            if issued > now { pushDrain(cpu: c, at: issued); return }
            startOldestStore(cpu: c)
        }
        let core = storeBuffers.cores[c]
        if core.headStarted && (core.count > 1 || core.waiting != .none) {
            if core.waiting == .empty && core.count == 1 {
                // The last store is under way: the core goes on when it completes.
                resumeAfterStoreBuffer(cpu: c, at: core.headDone)
            } else {
                pushDrain(cpu: c, at: core.headDone)
            }
        }
        switch storeBuffers.cores[c].waiting {
        case .empty where storeBuffers.isEmpty(c), .slot where !storeBuffers.isFull(c):
            resumeAfterStoreBuffer(cpu: c, at: now)
        default:
            break
        }
    }

    private mutating func resumeAfterStoreBuffer(cpu c: Int, at time: Picoseconds) {
        let from = storeBuffers.cores[c].waitFrom
        storeBuffers.cores[c].waiting = .none
        schedule(cpu: c, at: max(time, from))
    }

    /// The run is over: what the buffers still hold reaches the caches (the machine stops
    /// after its stores drain), so that results count every store that retired.
    mutating func drainStoreBuffersAtEnd() {
        for c in 0..<storeBuffers.cores.count {
            while !storeBuffers.isEmpty(c) {
                if !storeBuffers.cores[c].headStarted { startOldestStore(cpu: c) }
                storeBuffers.retireHead(c)
            }
        }
    }
}
