import Foundation
import SimKernelModel
import SimMachine
import SimScenario

/// `mksim step`: one point run a little at a time under a user's commands, telling what
/// happens (`Narration`) and showing the state of CPUs, kernels, tasks, locks and lines
/// between events.
///
/// Records reach observers a little early (a CPU running ahead through pure work reports at
/// its own clock), never before the engine's time; so a record older than the next
/// pending event can no longer be overtaken, and is told then, in time order.
public final class StepSession {
    private var sim: Simulation
    private let point: RunPoint
    private let collector = ObservationCollector()
    private var narration: Narration
    private let write: (String) -> Void
    /// Set once the run is over: its result, shown by the summary.
    public private(set) var result: SimulationResult?

    public static let help = """
    commands (a number N is optional, 1 if left out):
      next [N]          run until N more lines are told (n)
      event [N]         process N more engine events, told or not (e)
      until TIME        run until a simulated time, like 25us (u)
      until KIND        run until a record of a kind is told: \(Narration.Kind.allCases.map(\.rawValue).joined(separator: ", "))
      run               run to the end and print the summary (c, continue)
      time              the simulated time, events so far, the next event's time (t)
      cpu N | cpus      what a CPU (every CPU) is doing
      kernel NAME | kernels   an instance's state, CPUs and tasks
      task N            a task's state
      lock NAME | locks       a lock's line, holders' queue and counts (locks: every lock)
      line NAME | lines       a cache line's state, owner and sharers (lines: the 10 hottest)
      level N           how much to tell: 1 what matters, 2 more, 3 everything
      help              this text (h, ?)
      quit              stop here (q)
    """

    public init(point: RunPoint, options: NarrationOptions, write: @escaping (String) -> Void) throws(ConfigurationError) {
        self.point = point
        self.write = write
        narration = Narration(options: options)
        sim = try Simulation(point.scenario.config)
        sim.attach(collector)
        narration.begin(collector.names!)
    }

    public enum Outcome: Equatable { case goOn, quit, bad(String) }

    /// Carries out one command line.
    public func execute(_ text: String) -> Outcome {
        let words = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard let verb = words.first?.lowercased() else { return .goOn }
        let arg = words.count > 1 ? words[1] : nil
        if words.count > 2 { return .bad("'\(verb)' takes at most one argument; got \(words.count - 1)") }
        switch verb {
        case "help", "h", "?": write(Self.help)
        case "quit", "q", "exit": return .quit
        case "next", "n":
            guard let n = count(arg, limit: 1_000_000) else { return .bad(countError(verb, arg, limit: 1_000_000)) }
            tell(n)
        case "event", "e":
            guard let n = count(arg, limit: 1_000_000_000) else { return .bad(countError(verb, arg, limit: 1_000_000_000)) }
            guard result == nil else { write("the run is over"); return .goOn }
            var done = 0
            while done < n, sim.processNextEvent() { done += 1; release() }
            if done < n { end() }
        case "until", "u":
            guard let arg else { return .bad("'until' needs a time (like 25us) or a kind (\(kindList))") }
            if let kind = Narration.Kind(rawValue: arg.lowercased()) {
                runUntil(kind: kind)
            } else if let t = parseDuration(arg) {
                if t <= sim.currentTime { write("already at \(Narration.time(sim.currentTime).trimmed)"); return .goOn }
                run(before: t)
            } else {
                return .bad("'until \(arg)': expected a time with its unit (like 25us, 1.5ms) or a kind (\(kindList))")
            }
        case "run", "c", "continue":
            run(before: nil)
        case "time", "t": showTime()
        case "cpus": for c in 0..<sim.cpuCount { write(cpuLine(sim.cpuView(c))) }
        case "cpu":
            guard let arg, let c = Int(arg), c >= 0, c < sim.cpuCount else { return .bad("'cpu' needs a CPU number from 0 to \(sim.cpuCount - 1)") }
            showCPU(c)
        case "kernels": for k in sim.kernelNames.indices { showKernel(k) }
        case "kernel":
            guard let arg, let k = sim.kernelNames.firstIndex(of: arg) else { return .bad("'kernel' needs one of: \(sim.kernelNames.joined(separator: ", "))") }
            showKernel(k)
        case "task":
            guard let arg, let t = Int(arg), t >= 0, t < sim.taskCount else { return .bad("'task' needs a task number from 0 to \(sim.taskCount - 1)") }
            showTask(t)
        case "locks":
            if sim.lockNames.isEmpty { write("no locks in this run") }
            for l in sim.lockNames.indices { showLock(l) }
        case "lock":
            let names = sim.lockNames
            guard let arg, let l = names.firstIndex(of: arg) else {
                return .bad(names.isEmpty ? "this run has no locks" : "'lock' needs one of: \(names.joined(separator: ", "))")
            }
            showLock(l)
        case "lines":
            let hot = sim.hottestLines(10)
            if hot.isEmpty { write("no line touched yet") }
            for l in hot { write(lineText(l)) }
        case "line":
            let names = sim.lineNames
            guard let arg, let l = names.firstIndex(of: arg) else {
                return .bad("'line' needs a line's name (`lines` lists the hottest); this run has \(names.count) lines")
            }
            write(lineText(sim.lineView(LineID(l))))
        case "level":
            guard let arg, let n = Int(arg), (1...3).contains(n) else { return .bad("'level' needs 1, 2 or 3") }
            narration.options.level = n
        default:
            return .bad("unknown command '\(verb)': try help")
        }
        return .goOn
    }

    // MARK: Running

    /// Tells up to `n` lines, processing events as needed.
    private func tell(_ n: Int) {
        guard result == nil else { write("the run is over"); return }
        var told = release(limit: n).told
        while told < n {
            guard sim.processNextEvent() else { end(); return }
            told += release(limit: n - told).told
        }
    }

    /// Processes the events due before `limit` (all, when nil), telling their records.
    private func run(before limit: Picoseconds?) {
        guard result == nil else { write("the run is over"); return }
        while true {
            guard let next = sim.nextEventTime() else { end(); return }
            if let limit, next > limit { release(); return }
            _ = sim.processNextEvent()
            release()
        }
    }

    /// Processes events until a record of `kind` is told (filters apply, the level does not).
    private func runUntil(kind: Narration.Kind) {
        guard result == nil else { write("the run is over"); return }
        if release(until: kind).found { return }
        while true {
            guard sim.processNextEvent() else { end(); return }
            if release(until: kind).found { return }
        }
    }

    /// Tells the records no later event can precede, in time order, at most `limit` lines;
    /// with `until`, stops after the first record of that kind (told whatever the level).
    /// What it leaves waits for the next command.
    @discardableResult
    private func release(limit: Int = .max, until kind: Narration.Kind? = nil) -> (told: Int, found: Bool) {
        var told = 0, found = false
        collector.release(before: sim.nextEventTime()) { record, time in
            guard told < limit, !found else { return false }
            let wanted = kind != nil && Narration.classify(record).0 == kind
            if let line = narration.line(record, at: time, ignoringLevel: wanted) {
                write(line)
                told += 1
                if wanted { found = true }
            }
            return true
        }
        return (told, found)
    }

    private func end() {
        guard result == nil else { return }
        let r = sim.finish()
        release()
        result = r
        write("-- the run is over at \(Narration.time(r.simTime).trimmed); \(sim.eventCount) events")
        write(Summary.text(point: point, result: r))
    }

    // MARK: Showing state

    private var kindList: String { Narration.Kind.allCases.map(\.rawValue).joined(separator: ", ") }

    private func count(_ arg: String?, limit: Int) -> Int? {
        guard let arg else { return 1 }
        guard let n = Int(arg), n >= 1, n <= limit else { return nil }
        return n
    }

    private func countError(_ verb: String, _ arg: String?, limit: Int) -> String {
        "'\(verb) \(arg ?? "")': expected a count from 1 to \(limit)"
    }

    private func showTime() {
        let next = sim.nextEventTime().map { "next event at \(Narration.time($0).trimmed)" } ?? "no event left"
        write("time \(Narration.time(sim.currentTime).trimmed); \(sim.eventCount) events processed; \(next)")
    }

    private func kernelName(_ k: Int) -> String { k >= 0 && k < sim.kernelNames.count ? sim.kernelNames[k] : "none" }

    private func taskName(_ t: Int) -> String { "task \(t) (\(sim.taskView(t).workload))" }

    private func cpuLine(_ v: CPUView) -> String {
        let doing: String
        switch v.activity {
        case .idle: doing = "idle"
        case .user(let t): doing = "runs \(taskName(t)) in user code"
        case .kernel(let t, let s): doing = "runs \(taskName(t)) in system call \(s)"
        case .spinning(let t, let line): doing = "\(taskName(t)) spins on line \(line)"
        case .handler(let vector): doing = "in the handler of vector 0x\(String(vector, radix: 16))"
        case .halted: doing = "halted (its kernel stopped)"
        case .offline: doing = "offline"
        }
        return "CPU \(v.cpu) (kernel \(kernelName(v.kernel))): \(doing); \(v.queued) queued"
    }

    private func showCPU(_ c: Int) {
        let v = sim.cpuView(c)
        write(cpuLine(v))
        write("  busy \(Narration.duration(v.busy)), \(v.contextSwitches) context switches, \(v.interruptsHandled) interrupt handlers run, own clock \(Narration.time(v.clock).trimmed)")
    }

    private func showKernel(_ k: Int) {
        let v = sim.kernelView(k)
        let t = v.tasks
        write("kernel \(v.name): \(v.state); CPUs \(v.cpus.isEmpty ? "none" : CPURanges.format(v.cpus)); tasks: \(t.running) running, \(t.runnable) runnable, \(t.sleeping) sleeping, \(t.done) done, \(t.other) not started; \(v.ops) operations; \(v.ipisSent) IPIs sent")
    }

    private func showTask(_ t: Int) {
        let v = sim.taskView(t)
        let place = v.cpu >= 0 ? " on CPU \(v.cpu)" : ""
        write("task \(t) (\(v.workload), kernel \(kernelName(v.kernel))): \(v.status)\(place); \(v.ops) operations" + (v.doing.map { "; \($0)" } ?? ""))
    }

    private func showLock(_ l: Int) {
        let v = sim.lockView(l)
        let waiting = v.waiting.isEmpty ? "nobody waiting" : "waiting: " + v.waiting.map { taskName($0) }.joined(separator: ", ")
        write("lock \(v.name) (\(v.algorithm)): \(v.acquisitions) acquisitions, \(v.contended) contended, \(v.slept) slept; \(waiting)")
        write("  " + lineText(v.line))
    }

    private func lineText(_ v: LineView) -> String {
        let owner = v.owner.map { "owner CPU \($0)" } ?? "no owner"
        let sharers = v.sharers.isEmpty ? "no sharers" : "sharers " + CPURanges.format(v.sharers)
        return "line \(v.name): \(v.state), \(owner), \(sharers); value \(v.value); \(v.accesses) accesses, \(v.misses) misses"
    }
}

private extension String {
    var trimmed: String { trimmingCharacters(in: .whitespaces) }
}
