import func Foundation.log
import SimCPU
import SimMachine

/// Parameters of the `compute-memory` generator, with line pools already allocated.
public struct ComputeMemoryParams: Sendable, Hashable {
    /// Core cycles of private work per iteration.
    public var computeCycles: UInt64
    /// Memory accesses per iteration.
    public var accesses: Int
    /// This thread's private lines: [privateBase, privateBase + privateCount).
    public var privateBase: LineID
    public var privateCount: Int
    /// Lines shared between the threads: [sharedBase, sharedBase + sharedCount).
    public var sharedBase: LineID
    public var sharedCount: Int
    /// Probability that an access goes to a shared line.
    public var sharedFraction: Double
    /// Probability that an access writes (a store); the rest are loads.
    public var writeFraction: Double
    /// Probability that a write is a locked read-modify-write instead of a store.
    public var atomicFraction: Double
    /// Private lines in order, wrapping around (a chase through a ring), instead of
    /// uniformly at random.
    public var sequential = false
    /// Sequential, and the loads are independent (`streamLoad`): a streaming read.
    public var stream = false

    public init(computeCycles: UInt64, accesses: Int, privateBase: LineID, privateCount: Int, sharedBase: LineID,
                sharedCount: Int, sharedFraction: Double, writeFraction: Double, atomicFraction: Double) {
        self.computeCycles = computeCycles; self.accesses = accesses
        self.privateBase = privateBase; self.privateCount = privateCount
        self.sharedBase = sharedBase; self.sharedCount = sharedCount
        self.sharedFraction = sharedFraction; self.writeFraction = writeFraction; self.atomicFraction = atomicFraction
    }
}

/// What a synthetic task does, with every kernel-level name already resolved to an index.
public enum GeneratorKind: Sendable, Hashable {
    /// Call one syscall in a loop, with optional user-space work between calls.
    /// `sleep`: after each call, sleep this long (zero: call again at once).
    case syscallLoop(syscall: UInt16, userCycles: UInt64, sleep: Picoseconds = .zero)
    /// Kernel paths in the order of a program (will-it-scale's testcases): before, the body
    /// `repeats` times, after, and round again; each `iteration` step is one operation.
    case syscallProgram(SyscallProgram)
    /// Compute, then a mix of private and shared memory accesses, per iteration.
    case computeMemory(ComputeMemoryParams)
    /// Two tasks bounce one line with CAS: role 0 moves it from 2k to 2k+1, role 1 from 2k+1 to 2k+2.
    /// One operation is one round trip.
    case pingPong(line: LineID, role: Int)
    /// Send one IPI around a ring at start; the kernel's ring handler forwards it thereafter.
    case ipiRingStart(next: Int32, vector: UInt8, handling: Picoseconds)
    /// Send messages over an inter-kernel channel, with user-space work between sends;
    /// with `reply`, receive the answer before the next send (one operation: a round trip).
    /// `interval`: sleep this long after each (a periodic sender, such as a heartbeat).
    case messages(channel: UInt16, userCycles: UInt64, reply: Bool, interval: Picoseconds = .zero, bytes: UInt32 = 0)
    /// Work `outsideCycles`, acquire lock `lock` (the simulation's lock table), hold it
    /// `holdCycles`, release it. One operation is one pass.
    /// `readFraction`: share of passes that take a reader-writer lock shared.
    case lockLoop(lock: UInt32, holdCycles: UInt64, outsideCycles: UInt64, readFraction: Double)
    /// lmbench's lat_pipe: role 0 writes pipe `a` and reads pipe `b` (one operation: a round
    /// trip); role 1 reads `a` and writes `b`, completing no operations of its own. Role -1,
    /// alone, writes and reads `a` (lat_ctx's measure of the pipe overhead without a switch).
    case pipePingPong(a: UInt32, b: UInt32, role: Int)
    /// A TLB shootdown by messages: the initiator sends requests and waits for acks (one
    /// operation: one unmap, request to last ack); participants wait, forward, invalidate,
    /// acknowledge, round after round (they complete no operations of their own).
    case shootdown(ShootdownRole, program: [ShootdownRole.Step])
    /// Send IPIs with `vector` to `targets` in turn, `gap` apart (one operation: one IPI).
    case ipiFlood(targets: [Int32], vector: UInt8, gap: Picoseconds)
    /// Write into `lines` (another instance's kernel objects) in turn, `gap` apart: each a
    /// locked add of zero, which takes the line exclusive without changing its value, or with
    /// `corrupt` a store of a random word (from the workload's seeded generator). One
    /// operation is one write.
    case foreignWrites(lines: [LineID], gap: Picoseconds, corrupt: Bool)
    /// Receive a message from a channel, work `userCycles` on it, answer it with `reply`.
    case receive(channel: UInt16, userCycles: UInt64, reply: Bool)
    /// The same on a waitset (the kernel model's table): the next message of any of its
    /// channels, the reply on the channel it came from.
    case serve(waitset: UInt16, userCycles: UInt64, reply: Bool)
    /// rt-app-like periodic task: `runCycles` of work released every `period`, deadline at
    /// the end of the period. One operation is one job (release to completion).
    case periodic(runCycles: UInt64, period: Picoseconds)
    /// An interactive task: a burst of `runCycles`, then a think time drawn from an
    /// exponential distribution of mean `think`. One operation is one burst (its latency
    /// runs from the wake-up: the response time).
    case interactive(runCycles: UInt64, think: Picoseconds)
    /// Send an IPI to the CPU set `set`, then spin until `ackLine` counts every target's
    /// acknowledgement (`targets` per round). One operation is one round.
    case ipiBroadcast(set: UInt16, addressing: IPIAddressing, vector: UInt8, ackLine: LineID, targets: UInt64)
    /// A thread of a trace: the kernel model reads its records (this generator only ends it).
    case trace
    /// Work `computeCycles`, then `accesses` accesses to pages of shared region `region`
    /// (`pages` pages, chosen uniformly), each a write with probability `writeFraction`.
    /// One operation is one iteration.
    case sharedPages(region: UInt16, pages: UInt32, accesses: Int, writeFraction: Double, computeCycles: UInt64)
    /// An instance's page server for shared region `region`: waits for the next request the
    /// kernel model queued for it (a `threadSync` of kind `pageServerWait`), answers it (the
    /// model injects the send), and counts one operation per answer.
    case pageServer(region: UInt16)
    /// Role 0 produces, role 1 consumes item k through slot k mod `slots` (lines from
    /// `base`): a slot holds 2r when free for round r = k / slots, 2r + 1 when full.
    /// One operation is one item.
    case producerConsumer(base: LineID, slots: Int, role: Int, work: UInt64)
}

/// One CPU's part in a TLB shootdown done by messages (`shootdown` workloads): lines are
/// written with the round number (iteration + 1) and waited on for it.
public struct ShootdownRole: Sendable, Hashable {
    /// The line this CPU waits on for a round's request (-1: the initiator, which starts rounds).
    public var request: LineID
    /// Where it acknowledges (-1: the initiator, which ends the round instead).
    public var ack: LineID
    /// Request lines it writes, in order (its children: every participant, the aggregators...).
    public var sends: [LineID]
    /// Acknowledgement lines it waits for after its own invalidation.
    public var waits: [LineID]
    /// Its own invalidation (invlpg and the page-table walk cache flush).
    public var invalidate: Picoseconds
    /// Message rounds per unmap: 1, or 2 for a two-phase commit (prepare and vote, then
    /// commit, invalidate and acknowledge) over the same lines.
    public var phases: Int

    /// Work around the messages (zero: the protocol's lines alone): `stub` at each end of every
    /// message (marshal before a write, unmarshal after a wait); the initiator's `call` into
    /// its monitor before the round and its return after it, its `mapping` update before the
    /// first message; each CPU's `driverCall` to invalidate.
    public var stub = Picoseconds.zero
    public var call = Picoseconds.zero
    public var returnFromCall = Picoseconds.zero
    public var mapping = Picoseconds.zero
    public var driverCall = Picoseconds.zero

    public init(request: LineID, ack: LineID, sends: [LineID], waits: [LineID], invalidate: Picoseconds, phases: Int = 1) {
        self.request = request; self.ack = ack; self.sends = sends; self.waits = waits; self.invalidate = invalidate
        self.phases = phases
    }

    /// One step of a round: wait for a line to reach the phase's number, write it, or work.
    public enum Step: Sendable, Hashable {
        case wait(LineID, phase: Int)
        case write(LineID, phase: Int)
        case work(Picoseconds)
    }

    /// The steps of one round, in order. Per phase: [wait for the request], the writes to the
    /// children, [invalidate: last phase only], the waits for their acks, [acknowledge].
    public var program: [Step] {
        let initiator = request < 0
        let n = max(1, phases)
        var steps: [Step] = []
        func work(_ d: Picoseconds) { if d > .zero { steps.append(.work(d)) } }
        if initiator { work(call + mapping) }
        for phase in 0..<n {
            if !initiator { steps.append(.wait(request, phase: phase)); work(stub) }
            for line in sends { work(stub); steps.append(.write(line, phase: phase)) }
            if phase == n - 1 { work(driverCall); steps.append(.work(invalidate)) }
            for line in waits { steps.append(.wait(line, phase: phase)); work(stub) }
            if !initiator { work(stub); steps.append(.write(ack, phase: phase)) }
        }
        if initiator { work(returnFromCall) }
        return steps
    }
}

/// When a generator stops.
public struct StopRule: Sendable, Hashable {
    /// Stop after this many operations (nil: no limit).
    public var iterations: UInt64?
    /// Stop issuing operations after this much simulated time from the task's start (nil: no limit).
    public var duration: Picoseconds?
    public init(iterations: UInt64? = nil, duration: Picoseconds? = nil) {
        self.iterations = iterations; self.duration = duration
    }
}

/// One task's operation stream: a deterministic state machine from its parameters and seed.
public struct Generator: Sendable {
    /// `threadSync` kinds the kernel model carries out for the shared-page protocol (trace
    /// synchronizations use the small numbers): a page server waiting for its next request,
    /// a faulting thread marking its next messages as invalidations, and one sleeping until
    /// its answers are in.
    public static let pageServerWait: UInt8 = 200
    public static let pageTagInvalidate: UInt8 = 201
    public static let pageAwaitReplies: UInt8 = 202

    public let kind: GeneratorKind
    public let stop: StopRule
    var rng: SplitMix64
    /// Operations completed so far (iterations of the loop).
    public private(set) var iteration: UInt64 = 0
    /// Position inside the current iteration.
    var step: Int = 0
    var startTime: Picoseconds?
    /// Periodic jobs: the current job's release time, and jobs that finished past their deadline.
    var release = Picoseconds.zero
    public private(set) var deadlineMisses: UInt64 = 0
    /// Next private line of a sequential pattern.
    var cursor: UInt64 = 0
    /// The current lock-loop pass reads (takes its reader-writer lock shared).
    var readingPass = false
    /// A syscall program's part (0 before, 1 body, 2 after) and the body's repetition.
    var programPart: UInt8 = 0
    var programRepeat = 0

    public init(kind: GeneratorKind, stop: StopRule, rng: SplitMix64) {
        self.kind = kind; self.stop = stop; self.rng = rng
    }

    /// The task arrives at `time` (before it first runs): durations and the first periodic
    /// release count from here, not from when a CPU first picks it up.
    public mutating func start(at time: Picoseconds) {
        startTime = time
        release = time
        arrived = true
    }
    private var arrived = false

    /// The next operation of the stream at simulated time `now`.
    public mutating func next(now: Picoseconds) -> Operation {
        if step == 0 {
            if startTime == nil { startTime = now }
            if let n = stop.iterations, iteration >= n { return .exit }
            if let d = stop.duration, let s = startTime, now - s >= d { return .exit }
        }
        switch kind {
        case .syscallLoop(let sys, let userCycles, let sleep):
            switch step {
            case 0:
                step = 1
                if userCycles > 0 { return .compute(cycles: userCycles) }
                fallthrough
            case 1: step = 2; return .syscall(sys)
            case 2 where sleep > .zero:
                // The call is the operation (counted now); the sleep comes after it, as
                // `interactive`'s think time does, unless that was the last.
                step = 3
                iteration += 1
                return .opDone
            case 3:
                step = 0
                if let n = stop.iterations, iteration >= n { return .exit }
                return .sleep(sleep)
            default: return finishIteration()
            }

        case .syscallProgram(let p):
            while true {
                let part = programPart == 0 ? p.before : programPart == 1 ? p.body : p.after
                if step < part.count {
                    let s = part[step]
                    step += 1
                    switch s {
                    case .syscall(let n): return .syscall(n)
                    case .iteration:
                        iteration += 1
                        return .opDone
                    }
                }
                // The part is over: the next (a body again, until its repeats are done).
                step = 0
                if programPart == 1 {
                    programRepeat += 1
                    if programRepeat < p.repeats { return next(now: now) }  // the stop rules apply at each body
                    programRepeat = 0
                    programPart = 2
                } else {
                    programPart = programPart == 0 ? 1 : 0
                    if programPart == 0 { return next(now: now) }
                }
                if let n = stop.iterations, iteration >= n { return .exit }
            }

        case .computeMemory(let p):
            if step == 0 {
                step = 1
                if p.computeCycles > 0 { return .compute(cycles: p.computeCycles) }
            }
            if step <= p.accesses {
                step += 1
                let shared = p.sharedCount > 0 && (p.privateCount == 0 || rng.unit() < p.sharedFraction)
                let line: LineID
                if shared {
                    line = p.sharedBase + LineID(rng.below(UInt64(p.sharedCount)))
                } else if p.sequential {
                    line = p.privateBase + LineID(cursor % UInt64(max(1, p.privateCount)))
                    cursor &+= 1
                } else {
                    line = p.privateBase + LineID(rng.below(UInt64(max(1, p.privateCount))))
                }
                if rng.unit() < p.writeFraction {
                    return rng.unit() < p.atomicFraction ? .fetchAdd(line, 1) : .store(line, iteration)
                }
                return p.stream && !shared ? .streamLoad(line) : .load(line)
            }
            return finishIteration()

        case .pingPong(let line, let role):
            if step == 0 {
                step = 1
                let from = 2 * iteration + UInt64(role)
                return .spinCompareAndSwap(line, expected: from, new: from + 1)
            }
            return finishIteration()

        case .ipiRingStart(let next, let vector, let handling):
            switch step {
            case 0: step = 1; return .delay(handling)
            case 1: step = 2; return .sendIPI(cpu: next, vector: vector)
            default: return .exit
            }

        case .messages(let channel, let userCycles, let reply, let interval, let bytes):
            switch step {
            case 0:
                step = 1
                if userCycles > 0 { return .compute(cycles: userCycles) }
                fallthrough
            case 1: step = 2; return .channelSend(channel, bytes: bytes)
            case 2 where reply: step = 3; return .channelReceive(channel)
            case 2 where interval > .zero, 3 where interval > .zero: step = 4; return .sleep(interval)
            default: return finishIteration()
            }

        case .pipePingPong(let a, let b, let role):
            switch (role, step) {
            case (-1, 0): step = 1; return .pipe(a, write: true)
            case (-1, 1): step = 2; return .pipe(a, write: false)
            case (-1, _): return finishIteration()
            case (0, 0): step = 1; return .pipe(a, write: true)
            case (0, 1): step = 2; return .pipe(b, write: false)
            case (0, _): return finishIteration()
            case (_, 0): step = 1; return .pipe(a, write: false)
            case (_, 1): step = 2; return .pipe(b, write: true)
            default:
                step = 0
                iteration += 1
                return next(now: now)
            }

        case .ipiFlood(let targets, let vector, let gap):
            switch step {
            case 0: step = 1; return .sendIPI(cpu: targets[Int(iteration % UInt64(targets.count))], vector: vector)
            case 1 where gap > .zero: step = 2; return .delay(gap)
            default: return finishIteration()
            }

        case .foreignWrites(let lines, let gap, let corrupt):
            switch step {
            case 0:
                step = 1
                let line = lines[Int(iteration % UInt64(lines.count))]
                return corrupt ? .store(line, rng.next()) : .fetchAdd(line, 0)
            case 1 where gap > .zero: step = 2; return .delay(gap)
            default: return finishIteration()
            }

        case .shootdown(let role, let program):
            // Lines carry the phase's number, counted over every round.
            if step < program.count {
                let s = program[step]
                step += 1
                let phases = UInt64(max(1, role.phases))
                switch s {
                case .wait(let line, let phase): return .spinUntil(line, mask: .max, equals: iteration &* phases + UInt64(phase) + 1)
                case .write(let line, let phase): return .store(line, iteration &* phases + UInt64(phase) + 1)
                case .work(let d): return .delay(d)
                }
            }
            if role.request < 0 { return finishIteration() }
            // A participant's round ends without an operation of its own.
            step = 0
            iteration += 1
            return next(now: now)

        case .lockLoop(let lock, let hold, let outside, let readFraction):
            switch step {
            case 0 where outside > 0: step = 1; return .compute(cycles: outside)
            case 0, 1:
                step = 2
                readingPass = readFraction > 0 && rng.unit() < readFraction
                return readingPass ? .acquireShared(lock) : .acquire(lock)
            case 2 where hold > 0: step = 3; return .compute(cycles: hold)
            case 2, 3: step = 4; return readingPass ? .releaseShared(lock) : .release(lock)
            default: return finishIteration()
            }

        case .receive(let channel, let userCycles, let reply):
            switch step {
            case 0: step = 1; return .channelReceive(channel)
            case 1 where userCycles > 0: step = 2; return .compute(cycles: userCycles)
            case 1, 2:
                // (`fallthrough` would skip a `where` clause: the reply is chosen explicitly.)
                if reply { step = 3; return .channelSend(channel) }
                return finishIteration()
            default: return finishIteration()
            }

        case .serve(let waitset, let userCycles, let reply):
            switch step {
            case 0: step = 1; return .channelReceiveAny(waitset)
            case 1 where userCycles > 0: step = 2; return .compute(cycles: userCycles)
            case 1, 2:
                if reply { step = 3; return .channelReplyLast }
                return finishIteration()
            default: return finishIteration()
            }

        case .periodic(let runCycles, let period):
            switch step {
            case 0:
                if iteration == 0 && !arrived { release = now }
                step = 1
                return .compute(cycles: runCycles)
            case 1:
                step = 2
                return .opDone
            default:
                // `now` is the job's completion.
                if now > release + period { deadlineMisses += 1 }
                var next = release + period
                while next <= now { next += period }  // releases missed while overrunning are skipped
                release = next
                step = 0
                iteration += 1
                if let n = stop.iterations, iteration >= n { return .exit }
                if let d = stop.duration, let s = startTime, next - s >= d { return .exit }
                return .sleep(next - now)
            }

        case .ipiBroadcast(let set, let addressing, let vector, let ackLine, let targets):
            switch step {
            case 0: step = 1; return .sendIPIGroup(set: set, addressing: addressing, vector: vector)
            case 1: step = 2; return .spinUntil(ackLine, mask: ~0, equals: targets &* (iteration + 1))
            default: return finishIteration()
            }

        case .trace:
            return .exit

        case .pageServer(let region):
            switch step {
            case 0: step = 1; return .threadSync(kind: Self.pageServerWait, a: UInt32(region), b: 0)
            default: return finishIteration()
            }

        case .sharedPages(let region, let pages, let accesses, let writeFraction, let computeCycles):
            if step == 0 {
                step = 1
                if computeCycles > 0 { return .compute(cycles: computeCycles) }
            }
            guard step <= accesses else { return finishIteration() }
            step += 1
            let page = UInt32(rng.next() % UInt64(pages))
            return .sharedPage(region: region, page: page, write: writeFraction > 0 && rng.unit() < writeFraction)

        case .producerConsumer(let base, let slots, let role, let work):
            let slot = base + LineID(iteration % UInt64(slots))
            let round = iteration / UInt64(slots)
            switch step {
            case 0 where role == 0:
                step = 1
                if work > 0 { return .compute(cycles: work) }
                fallthrough
            case 1 where role == 0: step = 2; return .spinUntil(slot, mask: .max, equals: 2 * round)
            case 2 where role == 0: step = 3; return .store(slot, 2 * round + 1)
            case 0: step = 1; return .spinUntil(slot, mask: .max, equals: 2 * round + 1)
            case 1:
                step = 2
                if work > 0 { return .compute(cycles: work) }
                fallthrough
            case 2: step = 3; return .store(slot, 2 * round + 2)
            default:
                if role == 1 { return finishIteration() }
                // An item counts once, when consumed: the producer moves on without an operation.
                step = 0
                iteration += 1
                return next(now: now)
            }

        case .interactive(let runCycles, let think):
            switch step {
            case 0: step = 1; return .compute(cycles: runCycles)
            case 1: step = 2; return .opDone
            default:
                step = 0
                iteration += 1
                if let n = stop.iterations, iteration >= n { return .exit }
                return .sleep(exponential(mean: think))
            }
        }
    }

    /// A draw from the exponential distribution of mean `mean` (inverse transform).
    mutating func exponential(mean: Picoseconds) -> Picoseconds {
        let u = 1 - rng.unit()  // in (0, 1]
        return Picoseconds(UInt64((-Double(mean.raw) * log(u)).rounded()))
    }

    private mutating func finishIteration() -> Operation {
        step = 0
        iteration += 1
        return .opDone
    }
}
