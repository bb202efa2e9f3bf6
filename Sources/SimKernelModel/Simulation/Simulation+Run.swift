import SimCPU
import SimMachine

extension Simulation {
    /// Runs until no event is left or the configured duration is reached.
    public mutating func run() -> SimulationResult {
        let clock = ContinuousClock()
        let started = clock.now
        advance(until: horizon)
        let wall = clock.now - started
        let wallSeconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) * 1e-18
        return finish(wallSeconds: wallSeconds)
    }

    /// Runs what is left (step mode calls it after `processNextEvent`) and makes the result:
    /// the same result as `run()` however the run was cut into steps.
    public mutating func finish(wallSeconds: Double = 0) -> SimulationResult {
        advance(until: horizon)
        noteStallIfTasksWait()
        if storeBuffers.enabled { drainStoreBuffersAtEnd() }
        return makeResult(wallSeconds: wallSeconds)
    }

    /// Processes the next event of the queue, if one is left before the run's end (step
    /// mode; `advance` is the same loop without the per-event call).
    public mutating func processNextEvent() -> Bool {
        guard let e = queue.popMin(notAfter: horizon) else { return false }
        now = e.time
        progress.events &+= 1
        if dispatch(e) && now > progress.lastActivity { progress.lastActivity = now }
        return true
    }

    /// When the next event is due (nil: none left before the run's end).
    public mutating func nextEventTime() -> Picoseconds? {
        guard let next = queue.peekTime(), next <= horizon else { return nil }
        return next
    }

    /// The engine's time: that of the event processed last.
    public var currentTime: Picoseconds { now }

    /// Processes every event up to and including `limit` (the engine's main loop).
    /// Afterwards `now` is `limit` if events remain past it, else the last active time.
    public mutating func advance(until limit: Picoseconds) {
        while let e = queue.popMin(notAfter: limit) {
            now = e.time
            progress.events &+= 1
            // A tick with nothing to preempt does not keep the run going.
            if dispatch(e) && now > progress.lastActivity { progress.lastActivity = now }
        }
        // Events left are past the limit.
        now = queue.isEmpty ? progress.lastActivity : limit
    }

    /// A run without a `duration` whose tasks all wait for something that cannot come (a
    /// spin on a line nobody will write, a sleep nobody will end) would go on forever on the
    /// ticks of CPUs where tasks wait behind a spinner. After this long with nothing but
    /// ticks that changed nothing, the queue is looked at.
    static let stallCheckAfter = Picoseconds(us: 1_000_000)

    /// Ends the run if only ticks are pending and nothing happened for `stallCheckAfter` (or
    /// ten real-time round-robin slices, if longer: one may still preempt): no later event
    /// could change anything. The result reports it (`stalled_ns`).
    @inline(never)
    mutating func endIfStalled() {
        let slices = kernels.map { $0.config.scheduler.rrSlice }.max() ?? .zero
        let limit = max(Self.stallCheckAfter, Picoseconds(slices.raw &* 10))
        guard now > progress.lastActivity + limit, queue.count == queue.count(kind: EventKind.tick.rawValue) else { return }
        progress.stalledSince = progress.lastActivity
        queue.removeAll()
    }

    /// Events processed so far.
    public var eventCount: UInt64 { progress.events }

    /// Handles one event; returns whether it did anything (stale and idle events do not).
    @inline(__always)
    mutating func dispatch(_ e: Event) -> Bool {
        switch EventKind(rawValue: e.kind) {
        case .cpuStep:
            let c = Int(e.target)
            guard cpus[c].generation == e.payload && cpus[c].mode == .scheduled else { return false }
            step(c)
        case .ipiArrive:
            ipiArrived(cpu: Int(e.target), vector: UInt8(truncatingIfNeeded: e.tag), sentAt: e.payload)
        case .tick:
            let acted = tick(cpu: Int(e.target))
            if _slowPath(!acted && now > progress.lastActivity + Self.stallCheckAfter) { endIfStalled() }
            return acted
        case .taskWake:
            guard tasks[Int(e.target)].status == .sleeping else { return false }  // killed meanwhile
            makeRunnable(task: Int(e.target), waker: Int(e.payload) - 1)
        case .hotplug:
            switch HotplugChange(rawValue: e.tag)! {
            case .bootUp: bootCPUUp(Int(e.target))
            case .online: hotplug(cpu: Int(e.target), online: true)
            case .offline: hotplug(cpu: Int(e.target), online: false)
            }
        case .lifecycle:
            switch LifecycleChange(rawValue: e.tag)! {
            case .respawn: respawn(kernel: Int(e.target))
            case .halt: panic(kernel: Int(e.target), orderly: true)
            case .shutdownRequested: requestShutdown(kernel: Int(e.target))
            case .panic, .oops: panic(kernel: Int(e.target))
            }
        case .move:
            moveStep(Int(e.target), step: MoveStep(rawValue: e.tag)!)
        case .migrate:
            startMigration(workload: Int(e.target))
        case .migrateArrive:
            arrive(task: Int(e.target))
        case .deviceInterrupt:
            deviceInterrupt(Int(e.target))
        case .storeDrain:
            drainStoreBuffer(cpu: Int(e.target))
        case .taskStart:
            let t = Int(e.target)
            guard tasks[t].status == .pending else { return false }  // its kernel died first
            workloadStats[tasks[t].workload].firstStart = workloadStats[tasks[t].workload].firstStart ?? now
            kernels[tasks[t].kernel].stats.firstStart = kernels[tasks[t].kernel].stats.firstStart ?? now
            tasks[t].opStart = now
            tasks[t].generator.start(at: now)
            makeRunnable(task: t)
        case nil:
            preconditionFailure("unknown event kind \(e.kind)")
        }
        return true
    }

    // MARK: CPU wake-ups

    /// Schedules a step of an idle or spinning CPU at `time`.
    @inline(__always)
    mutating func schedule(cpu c: Int, at time: Picoseconds) {
        cpus[c].resumeAt = time
        cpus[c].generation &+= 1
        cpus[c].mode = .scheduled
        queue.push(at: time, target: Int32(c), kind: EventKind.cpuStep.rawValue, payload: cpus[c].generation)
    }

    /// Starts an idle CPU now, or when it is free if its own clock is ahead of the engine.
    mutating func kick(cpu c: Int, after delay: Picoseconds = .zero) {
        guard cpus[c].mode == .idle else { return }
        let start = max(now + delay, cpus[c].freeAt)
        cpus[c].accounting.busySince = start
        schedule(cpu: c, at: start)
    }

    /// Wakes the CPUs spinning on `line` so that they re-read it at `time`.
    mutating func wakeWaiters(_ line: LineID, at time: Picoseconds) {
        while let w = directory.popWaiter(line) {
            schedule(cpu: w, at: time)
        }
    }

    mutating func ipiArrived(cpu c: Int, vector: UInt8, sentAt: UInt64) {
        apic.raise(cpu: c, vector: vector, sentAt: sentAt)
        observe(.ipiDelivered(cpu: c, vector: vector, sentAt: Picoseconds(sentAt)), at: now)
        interruptArrived(cpu: c, vector: vector)
    }

    /// `vector` is now pending on CPU `c`: a CPU that can take it soon is made to.
    @inline(__always)
    mutating func interruptArrived(cpu c: Int, vector: UInt8) {
        guard cpus[c].kernel >= 0, !cpus[c].halted else { return }
        // An idle or spinning CPU takes the interrupt now, without another event.
        switch cpus[c].mode {
        case .idle where cpus[c].freeAt > now:
            kick(cpu: c)  // still finishing its last operations on its own clock
        case .idle:
            cpus[c].accounting.busySince = now
            cpus[c].mode = .scheduled
            step(c)
        case .spinning:
            if (cpus[c].irqEnabled || vector == Vectors.nmi) && !cpus[c].handler.inHandler {
                directory.cancelWait(cpu: c)
                cpus[c].generation &+= 1
                cpus[c].mode = .scheduled
                step(c)
            }
        case .scheduled where cpus[c].resumeAt > now && (cpus[c].irqEnabled || vector == Vectors.nmi) && !cpus[c].handler.inHandler:
            // Running ahead through pure work (compute, kernel-path delays): the interrupt
            // comes in now, in the middle of it; the rest of that work resumes after the
            // handler. If the CPU ran ahead through an earlier handler (interrupts off), it
            // comes in when that handler ended.
            let from = vector == Vectors.nmi ? now : max(now, cpus[c].handler.handlerEndedAt)
            guard from < cpus[c].resumeAt else { break }  // taken at the next operation boundary
            cpus[c].deferred = cpus[c].resumeAt - from
            if from > now {
                schedule(cpu: c, at: from)
            } else {
                cpus[c].generation &+= 1
                step(c)
            }
        case .scheduled:
            break  // taken at the CPU's next operation boundary
        }
    }
}
