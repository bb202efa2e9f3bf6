import SimCPU
import SimMachine
import SimWorkloads

/// Kinds of `Operation.threadSync` (trace synchronization the kernel model carries out).
enum TraceSync: UInt8 {
    /// Sleep until woken, unless a wake is already waiting (a counting semaphore).
    case wait
    /// Wake thread `a` (an index in the trace's thread table).
    case wake
    /// Arrive at barrier `a` of `b` parties.
    case barrier
    /// Start thread `a`.
    case spawn
    /// Wait on futex `a` (an index in the process's futex table) for one of its wake-ups.
    case futexWait
    /// Give futex `a` `b` wake-ups: to its waiters first come first, the rest kept.
    case futexWake
}

/// A traced process: its trace, address space, and the kernel objects its records name.
struct TraceRuntime {
    let file: TraceFile
    let name: String
    let locks: LockAlgorithm
    /// Its first thread in `Simulation.traceThreads`.
    let firstThread: Int
    var space: AddressSpace
    /// Lock records by the address of the program's lock word.
    var lockAt: [UInt64: Int] = [:]
    var barriers: [UInt32: (arrived: UInt32, waiting: [Int])] = [:]
    /// Futexes by address: wake-ups not yet taken, and tasks asleep on them in order.
    var futexIndex: [UInt64: Int] = [:]
    var futexes: [(tokens: UInt32, waiters: [Int])] = []
    /// Per kernel, per trace name: the profile's syscall index (-1 unknown, -2 not looked up).
    var syscalls: [[Int]]
    var unmodeledSyscalls: UInt64 = 0
    var error: TraceError?
}

/// One trace thread's stream position.
struct TraceThreadState {
    let cursor: TraceCursor
    let runtime: Int
    let task: Int
    /// Records decoded ahead (`TraceCursor.nextBatch`), and the next one to replay.
    var batch: [TraceRecord] = []
    var batchNext = 0
    /// Records replayed (the process's count is its threads' sum).
    var records: UInt64 = 0
    /// The stream has ended, and why if it failed (given to the process when replay reaches it).
    var ended = false
    var failure: TraceError?
    /// A record read ahead (after a run of instruction records).
    var held: TraceRecord?
    /// An operation still to issue for the last record (a modify's store, an access's second line).
    var pending: Operation?
    /// Fractional cycles carried between instruction runs.
    var cycles: Double = 0
    /// Wakes received while not waiting.
    var tokens: UInt32 = 0
    var waiting = false
    var timers: [UInt32: Picoseconds] = [:]
}

/// The pages a traced process touched, each backed by simulated lines allocated on first
/// touch on the node of the kernel that touched it (Linux's default first-touch policy).
/// A direct-mapped cache of translations keeps the common case to one array read (the
/// dictionary costs a SipHash per lookup).
struct AddressSpace {
    let pageShift: UInt64
    let lineShift: UInt64
    var pages: [UInt64: LineID] = [:]
    /// The translation cache: page and its first line side by side (one host cache line
    /// per lookup).
    var tlb: [TranslationEntry]
    /// 4,096 entries (64 KiB) cover 16 MiB of 4-KiB pages.
    static let tlbEntries = 4096
    static let tlbShift: UInt64 = 52  // 64 − log2(tlbEntries)

    /// The translation cache's slot of `page`: a Fibonacci hash, since threads' regions
    /// usually start at aligned bases (the page number's low bits alike), which a plain
    /// mask of those bits maps onto the same slots.
    @inline(__always) static func tlbSlot(_ page: UInt64) -> Int { Int(truncatingIfNeeded: (page &* 0x9E37_79B9_7F4A_7C15) &>> tlbShift) }

    /// Line index within a page: `(address >> lineShift) & lineMask`.
    let lineMask: UInt64

    init(pageBytes: Int, lineBytes: Int) {
        pageShift = UInt64(pageBytes.trailingZeroBitCount)
        lineShift = UInt64(lineBytes.trailingZeroBitCount)
        lineMask = UInt64(1 << Int(pageShift - lineShift)) - 1
        tlb = Array(repeating: TranslationEntry(page: .max, line: -1), count: Self.tlbEntries)
    }
    var linesPerPage: Int { 1 << Int(pageShift - lineShift) }
}

/// One entry of an address space's translation cache.
struct TranslationEntry {
    var page: UInt64
    var line: LineID
}

extension Simulation {
    mutating func buildTrace(_ trace: TraceWorkload, workload w: Int, config wc: WorkloadConfig,
                             stats: inout WorkloadStats, into build: inout BuildState) throws(ConfigurationError) {
        let file = trace.file
        let on = wc.copies.map(\.kernel)
        guard !on.isEmpty else { throw ConfigurationError("workload '\(wc.name)': a trace needs at least one kernel", about: .workload(wc.name)) }
        for k in on where k < 0 || k >= kernels.count { throw ConfigurationError("workload '\(wc.name)' is placed on a kernel that does not exist", about: .workload(wc.name)) }
        guard !file.header.threads.isEmpty else { throw ConfigurationError("workload '\(wc.name)': trace \(file.path) has no threads", about: .workload(wc.name)) }
        let pins = wc.copies.flatMap { $0.pin ?? [] }
        let lineBytes = config.machine.caches.first?.lineBytes ?? 64
        let runtime = build.traceProcesses.count
        build.traceProcesses.append(TraceRuntime(file: file, name: wc.name, locks: trace.locks, firstThread: build.traceThreads.count,
                                   space: AddressSpace(pageBytes: 4096, lineBytes: lineBytes),
                                   syscalls: Array(repeating: Array(repeating: -2, count: file.header.names.count), count: kernels.count)))
        for (i, thread) in file.header.threads.enumerated() {
            // Thread i runs on the workload's kernels in turn (one address space across them, as a Popcorn process).
            let k = on[i % on.count]
            let kc = config.kernels[k]
            var pinnedLocal: Int?
            if !pins.isEmpty {
                let cpu = pins[i % pins.count]
                guard let local = kc.cpus.firstIndex(of: cpu) else {
                    throw ConfigurationError("workload '\(wc.name)': thread \(thread.tid) is pinned to CPU \(cpu), which kernel '\(kc.name)' (its kernel: threads go to the kernels in turn) does not own", about: .workload(wc.name))
                }
                pinnedLocal = local
            }
            let cursor: TraceCursor
            do { cursor = try file.cursor(thread: i) } catch { throw ConfigurationError(error.description) }
            let rng = SplitMix64(seed: config.seed, stream: [0x7472_6163, UInt64(w), UInt64(i)])
            var task = TaskState(kernel: k, workload: w, pinnedLocal: pinnedLocal,
                                 generator: Generator(kind: .trace, stop: wc.stop, rng: rng), rng: rng)
            task.traceThread = Int32(build.traceThreads.count)
            // A spawned thread starts when another's `spawn` record names it.
            let t = addTask(task, of: wc, thread: i, into: &build, startsWithWorkload: !thread.spawned)
            build.traceThreads.append(TraceThreadState(cursor: cursor, runtime: runtime, task: t))
            stats.tasks += 1
        }
    }

    /// The next operation of a trace thread: instruction runs become compute, accesses
    /// become loads, stores and atomics on the lines of the process's pages, synchronization
    /// becomes kernel operations. Kept out of line: generated workloads' steps never call it.
    @inline(never)
    mutating func nextTraceOp(task: Int, cpu c: Int, at t: Picoseconds) -> Operation {
        let tt = Int(tasks[task].traceThread)
        if let p = traces.threads[tt].pending {
            traces.threads[tt].pending = nil
            return p
        }
        let r = traces.threads[tt].runtime
        while true {
            let record: TraceRecord
            if let h = traces.threads[tt].held {
                record = h
                traces.threads[tt].held = nil
            } else {
                guard let next = nextRecord(tt) else { return .exit }
                record = next
            }
            switch record {
            case .instructions(let cls, let n):
                if let op = instructionRun(tt, cls, n) { return op }
            case .fetch(let a):
                return .fetch(translate(a, runtime: r, cpu: c))
            case .load(let a, let size):
                return access(a, size, tt, c) { .load($0) }
            case .store(let a, let size):
                return access(a, size, tt, c) { .store($0, 0) }
            case .atomic(let a, let size):
                return access(a, size, tt, c) { .fetchAdd($0, 1) }
            case .modify(let a, _):
                let line = translate(a, runtime: r, cpu: c)
                traces.threads[tt].pending = .store(line, 0)
                return .load(line)
            case .fence:
                return .fence
            case .pause(let n):
                return .pause(n)
            case .syscall(let name, _):
                return syscallOp(name: name, runtime: r, task: task)
            case .mmap, .munmap:
                let name: String = { if case .mmap = record { return "mmap" } else { return "munmap" } }()
                let k = tasks[task].kernel
                if let s = kernels[k].config.profile.syscallIndex(name) { return .syscall(UInt16(s)) }
                traces.processes[r].unmodeledSyscalls &+= 1
                return .delay(kernels[k].config.profile.entryExit)
            case .lock(let a):
                return .acquire(UInt32(traceLock(a, runtime: r, cpu: c)))
            case .unlock(let a):
                return .release(UInt32(traceLock(a, runtime: r, cpu: c)))
            case .barrier(let id, let parties):
                return .threadSync(kind: TraceSync.barrier.rawValue, a: id, b: parties)
            case .sleep(let d) where d.raw > Self.longestTraceDuration.raw, .busy(let d) where d.raw > Self.longestTraceDuration.raw,
                 .timer(_, let d, _) where d.raw > Self.longestTraceDuration.raw:
                traceFail(r, "thread \(tt - traces.processes[r].firstThread): a \(record.keyword) of \(d) is implausible (over 10^6 s)")
                return .exit
            case .sleep(let d):
                return .sleep(d)
            case .busy(let d):
                return .delay(d)
            case .timer(let name, let period, let absolute):
                let last = traces.threads[tt].timers[name] ?? t
                var next = last + period
                if next <= t {
                    // Missed: no sleep; a relative timer restarts from now.
                    if !absolute { next = t }
                    traces.threads[tt].timers[name] = next
                    continue
                }
                traces.threads[tt].timers[name] = next
                return .sleep(next - t)
            case .futexWait(let a), .futexWake(let a, _):
                // The syscall's cost (the profile's futex path, or entry and exit), then the wait or wake.
                let f: Int
                if let i = traces.processes[r].futexIndex[a] { f = i } else {
                    f = traces.processes[r].futexes.count
                    traces.processes[r].futexIndex[a] = f
                    traces.processes[r].futexes.append((0, []))
                }
                if case .futexWake(_, let n) = record {
                    traces.threads[tt].pending = .threadSync(kind: TraceSync.futexWake.rawValue, a: UInt32(f), b: n)
                } else {
                    traces.threads[tt].pending = .threadSync(kind: TraceSync.futexWait.rawValue, a: UInt32(f), b: 0)
                }
                let k = tasks[task].kernel
                if let s = kernels[k].config.profile.syscallIndex("futex") { return .syscall(UInt16(s)) }
                traces.processes[r].unmodeledSyscalls &+= 1
                return .delay(kernels[k].config.profile.entryExit)
            case .wait:
                return .threadSync(kind: TraceSync.wait.rawValue, a: 0, b: 0)
            case .wake(let thread):
                return .threadSync(kind: TraceSync.wake.rawValue, a: thread, b: 0)
            case .spawn(let thread):
                return .threadSync(kind: TraceSync.spawn.rawValue, a: thread, b: 0)
            case .exit:
                return .exit
            case .send(let name, let bytes):
                guard let ch = config.channels.firstIndex(where: { $0.name == traces.processes[r].file.name(name) }) else {
                    traceFail(r, "send: no channel named '\(traces.processes[r].file.name(name))' in the scenario")
                    return .exit
                }
                return .channelSend(UInt16(ch), bytes: bytes)
            case .receive(let name):
                guard let ch = config.channels.firstIndex(where: { $0.name == traces.processes[r].file.name(name) }) else {
                    traceFail(r, "receive: no channel named '\(traces.processes[r].file.name(name))' in the scenario")
                    return .exit
                }
                return .channelReceive(UInt16(ch))
            case .migrate(let name):
                guard let k = config.kernels.firstIndex(where: { $0.name == traces.processes[r].file.name(name) }) else {
                    traceFail(r, "migrate: no kernel named '\(traces.processes[r].file.name(name))' in the scenario")
                    return .exit
                }
                if k != tasks[task].kernel {
                    tasks[task].scheduling.migrateTo = Int32(k)
                    cpus[c].sched.needResched = true
                }
            case .marker:
                return .opDone
            }
        }
    }

    /// A run of instructions starting with `n` of class `cls`, merged with the instruction
    /// records that follow it: compute for its whole cycles (the fraction carried to the next
    /// run), nil when under a cycle, `.exit` when implausibly long (the process's error).
    @inline(__always)
    mutating func instructionRun(_ tt: Int, _ cls: InstructionClass, _ n: UInt64) -> Operation? {
        var cycles = traces.threads[tt].cycles + Self.issueCycles(cls, n, timing.table)
        while true {
            // The next record looked at in the batch, taken only if it continues the run.
            let i = traces.threads[tt].batchNext
            if i < traces.threads[tt].batch.count {
                guard case .instructions(let c2, let n2) = traces.threads[tt].batch[i] else { break }
                traces.threads[tt].batchNext = i &+ 1
                traces.threads[tt].records &+= 1
                cycles += Self.issueCycles(c2, n2, timing.table)
                continue
            }
            guard let next = nextRecord(tt) else { break }
            if case .instructions(let c2, let n2) = next {
                cycles += Self.issueCycles(c2, n2, timing.table)
            } else {
                traces.threads[tt].held = next
                break
            }
        }
        guard cycles < 1e15 else {  // ~4 days at 2.8 GHz in one run of instructions: not a real trace
            let r = traces.threads[tt].runtime
            traceFail(r, "thread \(tt - traces.processes[r].firstThread): an instruction run of \(cycles) cycles is implausible (corrupt counts?)")
            return .exit
        }
        guard cycles >= 0 else {  // only with a negative latency in the table
            traces.threads[tt].cycles = cycles - cycles.rounded(.down)
            return nil
        }
        // The floor (0 <= cycles < 1e15 < 2^53: exact), through the signed conversions, one
        // instruction each way where the unsigned ones take a dozen (no libm call either).
        let whole = Int64(cycles)
        traces.threads[tt].cycles = cycles - Double(whole)
        return whole >= 1 ? .compute(cycles: UInt64(whole)) : nil
    }

    /// Trace thread `tt`'s next record, counted; nil at the end of its stream or at an error
    /// (kept as the process's `error`).
    @inline(__always)
    mutating func nextRecord(_ tt: Int) -> TraceRecord? {
        let i = traces.threads[tt].batchNext
        if i < traces.threads[tt].batch.count {
            traces.threads[tt].batchNext = i &+ 1
            traces.threads[tt].records &+= 1
            return traces.threads[tt].batch[i]
        }
        return refillBatch(tt)
    }

    /// Decodes trace thread `tt`'s next batch of records and returns the first.
    @inline(never)
    mutating func refillBatch(_ tt: Int) -> TraceRecord? {
        let r = traces.threads[tt].runtime
        if traces.threads[tt].ended {
            // Reached the failure, if any (records before it were replayed first).
            if let f = traces.threads[tt].failure, traces.processes[r].error == nil { traces.processes[r].error = f }
            return nil
        }
        var batch: [TraceRecord] = []
        swap(&batch, &traces.threads[tt].batch)  // not copied on the way
        let failure = traces.threads[tt].cursor.nextBatch(into: &batch, limit: Self.traceBatch)
        swap(&batch, &traces.threads[tt].batch)
        if failure != nil || traces.threads[tt].batch.isEmpty {
            traces.threads[tt].ended = true
            traces.threads[tt].failure = failure
        }
        guard !traces.threads[tt].batch.isEmpty else { return refillBatch(tt) }
        traces.threads[tt].batchNext = 1
        traces.threads[tt].records &+= 1
        return traces.threads[tt].batch[0]
    }

    /// Records decoded at once per trace thread (6 KiB of them).
    static let traceBatch = 256

    /// Issue cost of a run of instructions in a trace. Two classes are charged elsewhere, so
    /// that nothing is counted twice: a syscall instruction's kernel entry by the kernel
    /// model (the trace's syscall records), a locked instruction's read-modify-write by the
    /// coherence model (its `atomic` record: the line exclusively plus `coherence.atomic`).
    @inline(__always)
    static func issueCycles(_ c: InstructionClass, _ n: UInt64, _ table: LatencyTable) -> Double {
        // Counts below 2^63 (all real ones) through the one-instruction signed conversion.
        c == .syscall || c == .atomic ? 0 : (n < 1 << 63 ? Double(Int64(n)) : Double(n)) * table[c]
    }

    /// Durations a trace may ask for (10^6 s): beyond, simulated time could wrap.
    static let longestTraceDuration = Picoseconds(1_000_000_000_000_000_000)

    mutating func traceFail(_ r: Int, _ message: String) {
        if traces.processes[r].error == nil { traces.processes[r].error = TraceError(file: traces.processes[r].file.path, message) }
    }

    /// A load, store or atomic on the line of `address`, and on the next line too when the
    /// access straddles two.
    @inline(__always)
    mutating func access(_ address: UInt64, _ size: UInt32, _ tt: Int, _ c: Int, _ make: (LineID) -> Operation) -> Operation {
        let r = traces.threads[tt].runtime
        let line = translate(address, runtime: r, cpu: c)
        let shift = traces.processes[r].space.lineShift
        let last = (address &+ UInt64(max(size, 1)) &- 1) >> shift
        if last != address >> shift { traces.threads[tt].pending = make(translate(last << shift, runtime: r, cpu: c)) }
        return make(line)
    }

    /// The simulated line of a traced address, allocating its page on first touch.
    @inline(__always)
    mutating func translate(_ address: UInt64, runtime r: Int, cpu c: Int) -> LineID {
        // Masking shifts (&>>): the shifts are below 64 by construction.
        let page = address &>> traces.processes[r].space.pageShift
        let slot = AddressSpace.tlbSlot(page)
        let offset = LineID(truncatingIfNeeded: (address &>> traces.processes[r].space.lineShift) & traces.processes[r].space.lineMask)
        let entry = traces.processes[r].space.tlb[slot]
        if entry.page == page { return entry.line &+ offset }
        return translateMiss(page: page, slot: slot, runtime: r, cpu: c) &+ offset
    }

    /// The first line of `page`, not in the translation cache's `slot`: looked up, or allocated.
    @inline(never)
    mutating func translateMiss(page: UInt64, slot: Int, runtime r: Int, cpu c: Int) -> LineID {
        let base: LineID
        if let b = traces.processes[r].space.pages[page] {
            base = b
        } else {
            base = allocatePage(page, runtime: r, cpu: c)
            traces.processes[r].space.pages[page] = base
        }
        traces.processes[r].space.tlb[slot] = TranslationEntry(page: page, line: base)
        return base
    }

    private mutating func allocatePage(_ page: UInt64, runtime r: Int, cpu c: Int) -> LineID {
        let node = config.kernels[cpus[c].kernel].memoryNode
        let space = traces.processes[r].space
        let pageAddress = page << space.pageShift
        let pageName = "\(traces.processes[r].name)@0x\(String(pageAddress, radix: 16))"
        var base: LineID = -1
        let symbols = traces.processes[r].file.header.symbols
        for i in 0..<space.linesPerPage {
            let a = pageAddress + UInt64(i) << space.lineShift
            // A line holding a data symbol of the program is named after it (the first one).
            var name = pageName
            if !symbols.isEmpty, let s = symbol(containing: a, lineBytes: UInt64(1) << space.lineShift, in: symbols) {
                name = "\(traces.processes[r].name).\(s.name)" + (s.address < a ? "+\(a - s.address)" : "")
            }
            let id = directory.allocate(name: name, home: node)
            if base < 0 { base = id }
        }
        return base
    }

    /// The first symbol overlapping the line at `a` (symbols sorted by address).
    private func symbol(containing a: UInt64, lineBytes: UInt64, in symbols: [TraceSymbol]) -> TraceSymbol? {
        var lo = 0, hi = symbols.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if symbols[mid].address + max(symbols[mid].size, 1) <= a { lo = mid + 1 } else { hi = mid }
        }
        guard lo < symbols.count, symbols[lo].address < a + lineBytes else { return nil }
        return symbols[lo]
    }

    /// The lock record of the program's lock word at `address`, made on first use.
    private mutating func traceLock(_ address: UInt64, runtime r: Int, cpu c: Int) -> Int {
        if let l = traces.processes[r].lockAt[address] { return l }
        let line = translate(address, runtime: r, cpu: c)
        let algorithm = traces.processes[r].locks
        let stat = locks.addStats(kernel: cpus[c].kernel, name: directory.names[Int(line)], algorithm: algorithm)
        let index = locks.add(line: line, algorithm: algorithm, stat: stat, irqsave: false)
        traces.processes[r].lockAt[address] = index
        lockMade(index)
        return index
    }

    private mutating func syscallOp(name: UInt32, runtime r: Int, task: Int) -> Operation {
        let k = tasks[task].kernel
        let n = Int(name)
        if n >= traces.processes[r].syscalls[k].count {
            traces.processes[r].syscalls[k] += Array(repeating: -2, count: n + 1 - traces.processes[r].syscalls[k].count)
        }
        if traces.processes[r].syscalls[k][n] == -2 {
            traces.processes[r].syscalls[k][n] = kernels[k].config.profile.syscallIndex(traces.processes[r].file.name(name)) ?? -1
        }
        let s = traces.processes[r].syscalls[k][n]
        if s >= 0 { return .syscall(UInt16(s)) }
        // Not in the kernel's profile: its entry and exit only, counted.
        traces.processes[r].unmodeledSyscalls &+= 1
        return .delay(kernels[k].config.profile.entryExit)
    }

    /// Carries out a trace synchronization at the engine's time; returns the CPU's time after it.
    @inline(never)
    mutating func threadSync(task: Int, cpu c: Int, kind: UInt8, a: UInt32, b: UInt32, at t: Picoseconds) -> Picoseconds {
        if kind >= Generator.pageServerWait {
            sharedPageSync(task: task, cpu: c, kind: kind, region: Int(a), count: b, at: t)
            return t
        }
        let tt = Int(tasks[task].traceThread)
        let first = traces.processes[traces.threads[tt].runtime].firstThread
        switch TraceSync(rawValue: kind)! {
        case .wait:
            if traces.threads[tt].tokens > 0 {
                traces.threads[tt].tokens -= 1
            } else {
                traces.threads[tt].waiting = true
                leaveCPU(task: task, cpu: c, becoming: .sleeping, at: t)
            }
        case .wake:
            let target = first + Int(a)
            if traces.threads[target].waiting {
                traces.threads[target].waiting = false
                queue.push(at: t, target: Int32(traces.threads[target].task), kind: EventKind.taskWake.rawValue, payload: UInt64(c + 1))
            } else {
                traces.threads[target].tokens &+= 1
            }
        case .spawn:
            let target = traces.threads[first + Int(a)].task
            if tasks[target].status == .pending {
                queue.push(at: t, target: Int32(target), kind: EventKind.taskStart.rawValue)
            }
        case .futexWait:
            let r = traces.threads[tt].runtime, f = Int(a)
            if traces.processes[r].futexes[f].tokens > 0 {
                traces.processes[r].futexes[f].tokens -= 1
            } else {
                traces.processes[r].futexes[f].waiters.append(task)
                leaveCPU(task: task, cpu: c, becoming: .sleeping, at: t)
            }
        case .futexWake:
            let r = traces.threads[tt].runtime, f = Int(a)
            var n = b
            while n > 0 && !traces.processes[r].futexes[f].waiters.isEmpty {
                let w = traces.processes[r].futexes[f].waiters.removeFirst()
                queue.push(at: t, target: Int32(w), kind: EventKind.taskWake.rawValue, payload: UInt64(c + 1))
                n -= 1
            }
            traces.processes[r].futexes[f].tokens &+= n
        case .barrier:
            let r = traces.threads[tt].runtime
            var state = traces.processes[r].barriers[a] ?? (0, [])
            state.arrived += 1
            if state.arrived >= max(b, 1) {
                for w in state.waiting {
                    queue.push(at: t, target: Int32(w), kind: EventKind.taskWake.rawValue, payload: UInt64(c + 1))
                }
                state = (0, [])
            } else {
                state.waiting.append(task)
                leaveCPU(task: task, cpu: c, becoming: .sleeping, at: t)
            }
            traces.processes[r].barriers[a] = state
        }
        return t
    }
}
