import SimCPU
import SimMachine
import SimWorkloads

extension Simulation {
    /// Replays trace thread records of `task` on CPU `c` from its clock `t` without the
    /// step's general operation dispatch (issue 18): instruction runs, fences and pauses
    /// advance `t`; loads, stores, atomics and fetches run as the step runs them — in this
    /// step while no event is due before them (`catchUp`), else the CPU is scheduled with the
    /// access as its current operation. Anything else (synchronization, syscalls, long
    /// compute, the end of the stream) is left to the general step: as the task's current
    /// operation, or as the record read ahead (`held`), which `nextTraceOp` takes first.
    ///
    /// Exact, the same results as the general step: the checks that step makes between
    /// operations (interrupts pending, preemption due) change only when an event is processed,
    /// and none is here; the run-ahead bound is checked before every operation as there.
    /// Returns false when the CPU was scheduled (the step ends), true when the general step
    /// goes on with the task.
    ///
    /// Called only in user mode (no frame, no syscall, nothing injected), with no current
    /// operation and no store buffers.
    @inline(never)
    mutating func replayTrace(task: Int, cpu c: Int, at t: inout Picoseconds) -> Bool {
        let tt = Int(tasks[task].traceThread)
        // `catchUp` with its invariant parts read once: the earliest pending event (looked up
        // when first needed) changes only when this loop pushes one (a store waking spinners),
        // and the bookkeeping of the engine's clock is written when the loop ends (`caughtUp(_:_:)`):
        // nothing reads it in between.
        var nextEvent: UInt64 = 0
        var peeked = false
        var inlined: UInt64 = 0
        while true {
            if t.raw &- now.raw >= Self.maxRunAhead.raw {
                caughtUp(c, inlined)
                schedule(cpu: c, at: t)
                return false
            }
            let op: Operation
            if let p = traces.threads[tt].pending {
                traces.threads[tt].pending = nil
                op = p
            } else {
                let record: TraceRecord
                if let h = traces.threads[tt].held {
                    record = h
                    traces.threads[tt].held = nil
                } else if let next = nextRecord(tt) {
                    record = next
                } else {
                    caughtUp(c, inlined)
                    tasks[task].current = .exit
                    tasks[task].hasCurrent = true
                    return true
                }
                switch record {
                case .instructions(let cls, let n):
                    guard let run = instructionRun(tt, cls, n) else { continue }
                    op = run
                case .load(let a, let size):
                    let (line, second) = accessLines(a, size, tt, c)
                    if second >= 0 { traces.threads[tt].pending = .load(second) }
                    op = .load(line)
                case .store(let a, let size):
                    let (line, second) = accessLines(a, size, tt, c)
                    if second >= 0 { traces.threads[tt].pending = .store(second, 0) }
                    op = .store(line, 0)
                case .atomic(let a, let size):
                    let (line, second) = accessLines(a, size, tt, c)
                    if second >= 0 { traces.threads[tt].pending = .fetchAdd(second, 1) }
                    op = .fetchAdd(line, 1)
                case .modify(let a, _):
                    let line = translate(a, runtime: traces.threads[tt].runtime, cpu: c)
                    traces.threads[tt].pending = .store(line, 0)
                    op = .load(line)
                case .fetch(let a):
                    op = .fetch(translate(a, runtime: traces.threads[tt].runtime, cpu: c))
                case .fence:
                    op = .fence
                case .pause(let n):
                    op = .pause(n)
                default:
                    caughtUp(c, inlined)
                    traces.threads[tt].held = record
                    return true
                }
            }

            switch op {
            case .compute(let cycles) where cycles <= computeChunk:
                t += traces.runDuration(cycles, timing.frequency)

            case .fence, .pause:
                t += timing.localDuration(op)

            case .load(let line), .store(let line, _), .fetchAdd(let line, _):
                guard reachInline(t, op, task, c, &nextEvent, &peeked, &inlined) else { return false }
                var stored: UInt64?
                if case .store(_, let v) = op { stored = v }
                if case .fetchAdd = op {} else if let hit = directory.plainHit(line, cpu: c, store: stored, now: now) {
                    if hit.wakes {
                        wakeWaiters(line, at: hit.completion)
                        peeked = false
                    }
                    t = hit.completion
                    continue
                }
                let update: ValueUpdate
                switch op {
                case .store(_, let v): update = .set(v)
                case .fetchAdd(_, let d): update = .add(d)
                default: update = .none
                }
                let out = directory.access(line, cpu: c, update: update, now: now)
                if out.hasWaiters {
                    wakeWaiters(line, at: out.completion)
                    peeked = false
                }
                t = out.completion

            case .fetch(let line):
                if directory.fetchHits(line, cpu: c) { continue }
                guard reachInline(t, op, task, c, &nextEvent, &peeked, &inlined) else { return false }
                t = directory.fetchMiss(line, cpu: c, now: now)

            default:
                caughtUp(c, inlined)
                tasks[task].current = op
                tasks[task].hasCurrent = true
                return true
            }
        }
    }

    /// Moves the engine's clock to the CPU's clock `t` for an access run inline, as
    /// `catchUp` does, when no event is due before it and the horizon is not passed; else
    /// parks `op` as the task's current operation, schedules the CPU at `t` and returns
    /// false. `nextEvent` is the earliest pending event, looked up once (`peeked`).
    @inline(__always)
    mutating func reachInline(
        _ t: Picoseconds, _ op: Operation, _ task: Int, _ c: Int,
        _ nextEvent: inout UInt64, _ peeked: inout Bool, _ inlined: inout UInt64
    ) -> Bool {
        guard t > now else { return true }
        if !peeked { nextEvent = queue.peekTime()?.raw ?? .max; peeked = true }
        guard t <= horizon && t.raw < nextEvent else {
            caughtUp(c, inlined)
            switch op {
            case .load(let line), .store(let line, _), .fetchAdd(let line, _): directory.prefetch(line, cpu: c)
            default: break
            }
            tasks[task].current = op
            tasks[task].hasCurrent = true
            schedule(cpu: c, at: t)
            return false
        }
        now = t
        inlined &+= 1
        return true
    }

    /// What `catchUp` writes for each operation it runs inline, written once for the `count`
    /// the replay loop ran: the CPU resumes at the engine's clock, which it moved.
    @inline(__always)
    mutating func caughtUp(_ c: Int, _ count: UInt64) {
        guard count > 0 else { return }
        cpus[c].resumeAt = now
        if now > progress.lastActivity { progress.lastActivity = now }
        progress.inlineOperations &+= count
    }

    /// The line of an access at `address`, and the next line (else -1) when it straddles
    /// two: what `access` gives, without a closure.
    @inline(__always)
    mutating func accessLines(_ address: UInt64, _ size: UInt32, _ tt: Int, _ c: Int) -> (LineID, LineID) {
        let r = traces.threads[tt].runtime
        let line = translate(address, runtime: r, cpu: c)
        let shift = traces.processes[r].space.lineShift
        let last = (address &+ UInt64(max(size, 1)) &- 1) &>> shift
        return (line, last != address &>> shift ? translate(last &<< shift, runtime: r, cpu: c) : -1)
    }
}
