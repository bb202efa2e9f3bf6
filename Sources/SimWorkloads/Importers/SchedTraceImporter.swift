import SimMachine

/// Turns Linux scheduler traces into per-task run/sleep/wake streams: ftrace's text
/// (`cat /sys/kernel/tracing/trace`), the older trace-cmd layout
/// (`prev:pid [prio] S ==> next:pid [prio]`) and `perf sched script` output.
///
/// Events used: sched_switch (a task ran from its switch-in: `busy`; it left sleeping or
/// preempted), sched_wakeup/sched_waking (a task woken by a running task: `wake` in the
/// waker's stream, `wait` in the sleeper's, so the dependency is kept; woken from idle or
/// an interrupt: a `sleep` of the observed length), sched_wakeup_new and
/// sched_process_fork (`spawn`), sched_process_exit (`exit`). sched_migrate_task is
/// counted and dropped: the simulated scheduler places tasks itself. Other events are skipped.
public struct SchedTraceImporter {
    public let perf: Bool
    /// Keep only tasks whose command name is in this set (nil: every task but the idle task).
    public var commands: Set<String>?
    public init(perf: Bool, commands: Set<String>? = nil) { self.perf = perf; self.commands = commands }

    enum State { case running, runnable, sleeping, exited }
    struct Task {
        var index: Int
        var state: State
        var since: Picoseconds
    }

    public func run(path: String, into writer: BinaryTraceWriter) throws(TraceError) -> ImportReport {
        var report = ImportReport()
        let lines = try TextTrace.LineReader(input: path)
        writer.header.source = (perf ? "perf sched script " : "ftrace ") + path
        var tasks: [Int: Task] = [:]
        var start: Picoseconds?
        var last = Picoseconds.zero
        var migrations = 0, skipped = 0, events = 0

        func emit(_ r: TraceRecord, _ t: Int) throws(TraceError) {
            try writer.append(r, thread: t)
            report.records &+= 1
        }
        func keep(_ comm: String) -> Bool { commands.map { $0.contains(comm) } ?? true }
        /// The task `pid`, created on first sight in state `state` (nil: idle or filtered out).
        func task(_ pid: Int, _ comm: String, at t: Picoseconds, firstState: State, spawned: Bool = false) throws(TraceError) -> Task? {
            if pid == 0 { return nil }
            if let k = tasks[pid] { return k }
            guard keep(comm) else { return nil }
            let i = writer.addThread(TraceThread(tid: UInt64(pid), name: comm, spawned: spawned))
            var k = Task(index: i, state: firstState, since: t)
            if !spawned, let s = start, t > s, firstState != .sleeping {
                // It existed before it first shows: count the time until then as sleep.
                try emit(.sleep(t - s), i)
            }
            if !spawned && firstState == .sleeping { k.since = start ?? t }
            tasks[pid] = k
            return k
        }
        /// A running task's time on the CPU up to `t`.
        func charge(_ pid: Int, at t: Picoseconds) throws(TraceError) {
            guard var k = tasks[pid], k.state == .running else { return }
            if t > k.since { try emit(.busy(t - k.since), k.index) }
            k.since = t
            tasks[pid] = k
        }

        while let line = try lines.nextLine() {
            guard let first = line.first, first != UInt8(ascii: "#") else { continue }
            let text = String(decoding: line, as: UTF8.self)
            guard let e = Self.parse(text) else {
                if text.hasPrefix("cpus=") || text.hasPrefix("version =") || (text.hasPrefix("CPU") && text.hasSuffix("is empty")) {
                    continue  // trace-cmd report's headers
                }
                throw TraceError(file: path, line: lines.lineNumber, perf
                    ? "expected a 'perf sched script' line: 'comm pid [cpu] seconds.micros: sched:event: fields'"
                    : "expected an ftrace line: 'comm-pid [cpu] flags seconds.micros: event: fields'")
            }
            if start == nil { start = e.time }
            guard e.time >= last || e.time + Picoseconds(us: 1000) >= last else {
                throw TraceError(file: path, line: lines.lineNumber, "timestamps go backwards by more than 1 ms: not one capture in time order")
            }
            let t = max(e.time, last)
            last = t
            events += 1
            func fail(_ expected: String) -> TraceError { TraceError(file: path, line: lines.lineNumber, "\(e.event): expected \(expected)") }
            switch e.event {
            case "sched_switch":
                guard let sw = Self.switchFields(e.fields) else { throw fail("prev_comm=… prev_pid=… prev_state=… ==> next_comm=… next_pid=… (or prev:pid [prio] S ==> next:pid [prio])") }
                if var p = try task(sw.prevPid, sw.prevComm, at: t, firstState: .running) {
                    if p.state == .running {
                        if t > p.since { try emit(.busy(t - p.since), p.index) }
                    }
                    if p.state != .exited {
                        p.state = sw.prevState.hasPrefix("R") ? .runnable : .sleeping
                        p.since = t
                        tasks[sw.prevPid] = p
                    }
                }
                if var n = try task(sw.nextPid, sw.nextComm, at: t, firstState: .runnable), n.state != .exited {
                    if n.state == .sleeping, let s = start {  // woken by nothing the trace shows
                        if t > n.since { try emit(.sleep(t - max(n.since, s)), n.index) }
                    }
                    n.state = .running
                    n.since = t
                    tasks[sw.nextPid] = n
                }
            case "sched_wakeup", "sched_waking":
                // "comm=… pid=…", or trace-cmd's older "comm:pid [prio] …".
                guard let (comm, pid) = Self.intField("pid", e.fields).map({ (Self.field("comm", e.fields, until: " pid=") ?? "?", $0) })
                        ?? Self.commPid(e.fields) else { throw fail("comm=… pid=… (or comm:pid [prio])") }
                guard var k = try task(pid, comm, at: t, firstState: .sleeping), k.state == .sleeping else { continue }
                let fromInterrupt = e.flags.map { $0.count >= 3 && ($0[$0.index($0.startIndex, offsetBy: 2)] != ".") } ?? false
                if !fromInterrupt, e.pid != pid, var w = try task(e.pid, e.comm, at: t, firstState: .running), w.state != .exited {
                    if w.state != .running {
                        // It is running (it does the waking) though the trace missed its switch-in.
                        if w.state == .sleeping && t > w.since { try emit(.sleep(t - w.since), w.index) }
                        w.state = .running
                        w.since = t
                        tasks[e.pid] = w
                    }
                    try charge(e.pid, at: t)
                    try emit(.wake(thread: UInt32(k.index)), w.index)
                    try emit(.wait, k.index)
                } else if t > k.since {
                    try emit(.sleep(t - k.since), k.index)
                }
                k.state = .runnable
                k.since = t
                tasks[pid] = k
            case "sched_process_fork":
                guard let child = Self.intField("child_pid", e.fields) else { throw fail("comm=… pid=… child_comm=… child_pid=…") }
                let comm = Self.field("child_comm", e.fields, until: " child_pid=") ?? "?"
                guard tasks[child] == nil, let k = try task(child, comm, at: t, firstState: .runnable, spawned: true) else { continue }
                if let p = tasks[e.pid], p.state != .exited {
                    try charge(e.pid, at: t)
                    try emit(.spawn(thread: UInt32(k.index)), p.index)
                } else {
                    writer.header.threads[k.index].spawned = false  // its parent is not traced: it starts with the trace
                    if let s = start, t > s { try emit(.sleep(t - s), k.index) }
                }
            case "sched_wakeup_new":
                guard let pid = Self.intField("pid", e.fields) else { throw fail("comm=… pid=…") }
                if tasks[pid] == nil {
                    let comm = Self.field("comm", e.fields, until: " pid=") ?? "?"
                    if let k = try task(pid, comm, at: t, firstState: .runnable, spawned: true) {
                        if let p = tasks[e.pid], p.state != .exited {
                            try charge(e.pid, at: t)
                            try emit(.spawn(thread: UInt32(k.index)), p.index)
                        } else {
                            writer.header.threads[k.index].spawned = false
                            if let s = start, t > s { try emit(.sleep(t - s), k.index) }
                        }
                    }
                }
            case "sched_process_exit":
                guard let pid = Self.intField("pid", e.fields) else { throw fail("comm=… pid=…") }
                if var k = tasks[pid], k.state != .exited {
                    try charge(pid, at: t)
                    try emit(.exit, k.index)
                    k.state = .exited
                    tasks[pid] = k
                }
            case "sched_migrate_task":
                migrations += 1
            default:
                skipped += 1
            }
        }
        for pid in tasks.keys.sorted() where tasks[pid]!.state == .running { try charge(pid, at: last) }
        if let s = start { report.notes.append("\(events) events over \(TextTrace.format(last - s)), \(writer.header.threads.count) tasks") }
        if migrations > 0 { report.notes.append("\(migrations) sched_migrate_task events dropped: the simulated scheduler places tasks itself") }
        if skipped > 0 { report.notes.append("\(skipped) events of other kinds skipped") }
        return report
    }

    struct Event {
        var comm: String
        var pid: Int
        var flags: Substring?
        var time: Picoseconds
        var event: String
        var fields: Substring
    }

    /// Splits `task-pid [cpu] flags time: event: fields` (ftrace, trace-cmd) or
    /// `comm pid [cpu] time: sched:event: fields` (perf).
    static func parse(_ s: String) -> Event? {
        guard let open = s.firstIndex(of: "["), let close = s[open...].firstIndex(of: "]"),
              s.index(after: open) < close, s[s.index(after: open)..<close].allSatisfy(\.isNumber) else { return nil }
        let who = s[..<open].trimmingCharacters(in: " ")
        let pid: Int, comm: String
        if let space = who.lastIndex(of: " "), let p = Self.pid(who[who.index(after: space)...]) {
            pid = p  // perf: "comm pid"
            comm = who[..<space].trimmingCharacters(in: " ")
        } else if let dash = who.lastIndex(of: "-"), let p = Self.pid(who[who.index(after: dash)...]) {
            pid = p  // ftrace: "comm-pid"
            comm = String(who[..<dash])
        } else {
            return nil
        }
        var rest = s[s.index(after: close)...].drop { $0 == " " }
        var flags: Substring?
        // Flags (ftrace's "d..2."), then the timestamp ending in ':'.
        guard let firstSpace = rest.firstIndex(of: " ") ?? rest.firstIndex(of: ":") else { return nil }
        var token = rest[..<firstSpace]
        if !token.hasSuffix(":") {
            flags = token
            rest = rest[firstSpace...].drop { $0 == " " }
            guard let sp = rest.firstIndex(of: " ") else { return nil }
            token = rest[..<sp]
        }
        guard token.hasSuffix(":"), let time = seconds(token.dropLast()) else { return nil }
        rest = rest[rest.index(rest.startIndex, offsetBy: token.count)...].drop { $0 == " " }
        guard let colon = rest.firstIndex(of: ":") else { return nil }
        var event = String(rest[..<colon])
        if event.hasPrefix("sched:") { event.removeFirst(6) }
        if event == "sched" {  // perf: "sched:sched_switch:" split at the first colon
            let after = rest[rest.index(after: colon)...]
            guard let c2 = after.firstIndex(of: ":") else { return nil }
            event = String(after[..<c2])
            return Event(comm: comm, pid: pid, flags: flags, time: time, event: event, fields: after[after.index(after: c2)...].drop { $0 == " " })
        }
        return Event(comm: comm, pid: pid, flags: flags, time: time, event: event, fields: rest[rest.index(after: colon)...].drop { $0 == " " })
    }

    /// "26157.835200" → picoseconds, exactly.
    static func seconds(_ s: Substring) -> Picoseconds? {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let whole = UInt64(parts[0]), parts[1].count <= 12, let frac = UInt64(parts[1]) else { return nil }
        var scale: UInt64 = 1
        for _ in 0..<(12 - parts[1].count) { scale *= 10 }
        return Picoseconds(whole &* 1_000_000_000_000 &+ frac &* scale)
    }

    static func field(_ key: String, _ s: Substring, until next: String) -> String? {
        guard let r = s.range(of: key + "=") else { return nil }
        let tail = s[r.upperBound...]
        if let e = tail.range(of: next) { return String(tail[..<e.lowerBound]) }
        return String(tail.prefix { $0 != " " })
    }

    static func intField(_ key: String, _ s: Substring) -> Int? {
        // " pid=" must not match "child_pid=" or "prev_pid=".
        var search = s[...]
        while let r = search.range(of: key + "=") {
            let okStart = r.lowerBound == s.startIndex || s[s.index(before: r.lowerBound)] == " "
            if okStart { return Int(s[r.upperBound...].prefix { $0.isNumber }) }
            search = s[r.upperBound...]
        }
        return nil
    }

    /// A pid as the kernel prints it: digits only (a sign or a number past 2^31 is not one;
    /// `Int` would take `-5`, and a negative pid became a trap where it is made a thread id).
    static func pid<S: StringProtocol>(_ s: S) -> Int? {
        guard !s.isEmpty, s.count <= 10, s.allSatisfy({ $0.isASCII && $0.isNumber }), let v = Int(s), v <= Int(Int32.max) else { return nil }
        return v
    }

    /// "comm:pid [prio] …" (trace-cmd's older layout).
    static func commPid(_ s: Substring) -> (String, Int)? {
        guard let bracket = s.firstIndex(of: "[") else { return nil }
        let name = s[..<bracket].trimmingCharacters(in: " ")
        guard let colon = name.lastIndex(of: ":"), let pid = Self.pid(name[name.index(after: colon)...]) else { return nil }
        return (String(name[..<colon]), pid)
    }

    struct Switch { var prevComm: String; var prevPid: Int; var prevState: String; var nextComm: String; var nextPid: Int }

    static func switchFields(_ s: Substring) -> Switch? {
        if s.contains("prev_pid=") {
            guard let pc = field("prev_comm", s, until: " prev_pid="), let pp = intField("prev_pid", s),
                  let st = field("prev_state", s, until: " ==>"), let nc = field("next_comm", s, until: " next_pid="),
                  let np = intField("next_pid", s) else { return nil }
            return Switch(prevComm: pc, prevPid: pp, prevState: st, nextComm: nc, nextPid: np)
        }
        // trace-cmd's older layout: "prev:pid [prio] S ==> next:pid [prio]".
        guard let arrow = s.range(of: " ==> ") else { return nil }
        let left = s[..<arrow.lowerBound], right = s[arrow.upperBound...]
        func who(_ part: Substring) -> (String, Int)? {
            guard let bracket = part.firstIndex(of: "[") else { return nil }
            let name = part[..<bracket].trimmingCharacters(in: " ")
            guard let colon = name.lastIndex(of: ":"), let pid = Self.pid(name[name.index(after: colon)...]) else { return nil }
            return (String(name[..<colon]), pid)
        }
        guard let (pc, pp) = who(left), let (nc, np) = who(right), let close = left.lastIndex(of: "]") else { return nil }
        let state = left[left.index(after: close)...].trimmingCharacters(in: " ")
        return Switch(prevComm: pc, prevPid: pp, prevState: state.isEmpty ? "R" : state, nextComm: nc, nextPid: np)
    }
}
