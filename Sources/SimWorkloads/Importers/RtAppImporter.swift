import Foundation
import SimMachine

/// Turns an rt-app JSON use case (threads, phases, events, loops, instances) into one
/// stream per thread instance. Synchronization stays synchronization (locks, waits and
/// wakes, barriers), to be re-timed by the simulated kernel; `run` and `runtime` become
/// busy time, `sleep` sleeps, `timer` sleeps to its next period.
///
/// Loops of -1 (forever) are unrolled until the thread's nominal time (runs, sleeps,
/// timer periods) reaches the use case's `global.duration` (1 s when it has none).
/// Condition variables become wakes of the threads that wait on them (known from the file).
public struct RtAppImporter {
    public init() {}

    /// A thread's definition, phases flattened to (loop, events).
    struct Definition {
        var name: String
        var instances: Int
        var loop: Int
        var delay: Picoseconds
        var phases: [(loop: Int, events: [(key: String, value: LenientJSON, line: Int)])]
    }

    static let ignoredKeys: Set<String> = ["priority", "policy", "cpus", "nice", "dl-runtime", "dl-period", "dl-deadline", "taskgroup",
                                           "util_min", "util_max", "numa_membind", "instance", "loop", "delay", "phases"]
    /// Event keys, longest first where one is a prefix of another (rt-app matches prefixes).
    static let eventKeys = ["runtime", "run", "sleep", "timer", "mem", "iorun", "unlock", "lock", "wait", "signal", "broad", "sync",
                            "barrier", "suspend", "resume", "yield"]

    public func run(path: String, into writer: BinaryTraceWriter) throws(TraceError) -> ImportReport {
        guard let data = FileManager.default.contents(atPath: path) else { throw TraceError(file: path, "cannot read the file") }
        let root: LenientJSON
        do { root = try LenientJSON.parse(String(decoding: data, as: UTF8.self)) } catch {
            throw TraceError(file: path, line: error.line, error.message)
        }
        var report = ImportReport()
        guard let tasks = root["tasks"]?.members else {
            if root["resources"] != nil {
                throw TraceError(file: path, line: 1, "expected a \"tasks\" object: this is the old rt-app grammar (resources, exec), which rt-app's merge.py combines; import the merged file")
            }
            throw TraceError(file: path, line: 1, "expected a \"tasks\" object (rt-app use case)")
        }
        let global = root["global"]
        var duration = Picoseconds(1_000_000_000_000)
        if let d = global?["duration"]?.number, d > 0 {
            guard d <= 1e6 else { throw TraceError(file: path, line: 1, "global.duration: expected seconds up to 1,000,000; got \(d)") }
            duration = Picoseconds(UInt64((d * 1e12).rounded()))
        } else {
            report.notes.append("no positive global.duration: loops of -1 unrolled over 1 s")
        }
        let bufferBytes = UInt64(global?["mem_buffer_size"]?.number ?? 4 * 1024 * 1024)

        // Definitions.
        var defs: [Definition] = []
        for (name, value, line) in tasks {
            guard let members = value.members else { throw TraceError(file: path, line: line, "tasks.\(name): expected an object") }
            func int(_ key: String, _ fallback: Int) throws(TraceError) -> Int {
                guard let v = value[key] else { return fallback }
                guard let n = v.number, n == n.rounded(), abs(n) < 1e9 else {
                    throw TraceError(file: path, line: line, "tasks.\(name).\(key): expected an integer")
                }
                return Int(n)
            }
            var d = Definition(name: name, instances: try int("instance", 1), loop: try int("loop", -1),
                               delay: Picoseconds(us: UInt64(max(0, try int("delay", 0)))), phases: [])
            if let phases = value["phases"] {
                guard let list = phases.members else { throw TraceError(file: path, line: line, "tasks.\(name).phases: expected an object") }
                for (pname, p, pline) in list {
                    guard let events = p.members else { throw TraceError(file: path, line: pline, "tasks.\(name).phases.\(pname): expected an object") }
                    let loop: Int
                    if let n = p["loop"]?.number {
                        guard n == n.rounded(), abs(n) < 1e9 else {
                            throw TraceError(file: path, line: pline, "tasks.\(name).phases.\(pname).loop: expected an integer")
                        }
                        loop = Int(n)
                    } else {
                        loop = 1
                    }
                    d.phases.append((loop, try Self.events(events, path: path, at: "tasks.\(name).phases.\(pname)")))
                }
            } else {
                d.phases.append((1, try Self.events(members, path: path, at: "tasks.\(name)")))
            }
            guard d.instances >= 0 && d.instances <= 4096 else { throw TraceError(file: path, line: line, "tasks.\(name).instance: expected 0 to 4096") }
            defs.append(d)
        }

        // Threads, and who waits on what (condition variables, suspends, barriers).
        var instanceNames: [(def: Int, name: String)] = []
        for (i, d) in defs.enumerated() {
            for k in 0..<d.instances {
                let n = d.instances == 1 ? d.name : "\(d.name)-\(k)"
                instanceNames.append((i, n))
            }
        }
        var waiters: [String: [Int]] = [:], barrierUsers: [String: Set<Int>] = [:]
        for (t, inst) in instanceNames.enumerated() {
            for phase in defs[inst.def].phases {
                for e in phase.events {
                    switch Self.kind(e.key) {
                    case "wait", "sync": if let r = e.value["ref"]?.string, !(waiters[r]?.contains(t) ?? false) { waiters[r, default: []].append(t) }
                    case "barrier": if let r = e.value.string { barrierUsers[r, default: []].insert(t) }
                    case "suspend":
                        // Suspend blocks on a resource named by the string (empty: the thread's own name).
                        let r = e.value.string.flatMap { $0.isEmpty ? nil : $0 } ?? defs[inst.def].name
                        if !(waiters[r]?.contains(t) ?? false) { waiters[r, default: []].append(t) }
                    default: break
                    }
                }
            }
        }
        writer.header.source = "rt-app " + path
        for (t, inst) in instanceNames.enumerated() {
            writer.addThread(TraceThread(tid: UInt64(t), name: inst.name))
        }
        var mutexAddress: [String: UInt64] = [:]
        func mutex(_ name: String) -> UInt64 {
            if let a = mutexAddress[name] { return a }
            let a = 0x1000_0000 + UInt64(mutexAddress.count) * 64
            mutexAddress[name] = a
            return a
        }
        var barrierIDs: [String: UInt32] = [:]
        var nextWaiter: [String: Int] = [:]
        let sysWrite = writer.header.intern("write"), sysYield = writer.header.intern("sched_yield")

        for (t, inst) in instanceNames.enumerated() {
            let d = defs[inst.def]
            var nominal = Picoseconds.zero
            var timers: [String: Picoseconds] = [:]
            var memCursor: UInt64 = 0
            let memBase = 0x7000_0000_0000 + UInt64(t) * ((bufferBytes + 0xFFFF) & ~0xFFFF)
            func emit(_ r: TraceRecord) throws(TraceError) {
                try writer.append(r, thread: t)
                report.records &+= 1
            }
            if d.delay > .zero { try emit(.sleep(d.delay)); nominal += d.delay }
            var iteration = 0
            // Unrolled forever-loops stop at the duration; a loop that adds no nominal time stops after 100,000 passes.
            while d.loop < 0 ? (nominal < duration && iteration < 100_000) : iteration < d.loop {
                let before = nominal
                for phase in d.phases {
                    for _ in 0..<max(phase.loop, 1) {
                        for e in phase.events {
                            let k = Self.kind(e.key)
                            func us() throws(TraceError) -> Picoseconds {
                                guard let n = e.value.number, n >= 0, n <= 1e12 else {
                                    throw TraceError(file: path, line: e.line, "\(e.key): expected a duration in microseconds (0 to 10^12)")
                                }
                                return Picoseconds(UInt64((n * 1e6).rounded()))
                            }
                            func name() throws(TraceError) -> String {
                                guard let s = e.value.string else { throw TraceError(file: path, line: e.line, "\(e.key): expected a string") }
                                return s
                            }
                            switch k {
                            case "run", "runtime":
                                let d = try us(); nominal += d; try emit(.busy(d))
                            case "sleep":
                                let d = try us(); nominal += d; try emit(.sleep(d))
                            case "timer":
                                guard let ref = e.value["ref"]?.string, let p = e.value["period"]?.number, p > 0, p <= 1e12 else {
                                    throw TraceError(file: path, line: e.line, "timer: expected {\"ref\": name, \"period\": microseconds}")
                                }
                                let period = Picoseconds(UInt64((p * 1e6).rounded()))
                                let absolute = e.value["mode"]?.string == "absolute"
                                try emit(.timer(name: writer.header.intern(ref), period: period, absolute: absolute))
                                // Nominal time: the next expiry of this timer.
                                let next = (timers[ref] ?? nominal) + period
                                timers[ref] = next
                                if next > nominal { nominal = next }
                            case "mem":
                                guard let n = e.value.number, n >= 0, n <= Double(1 << 30) else {
                                    throw TraceError(file: path, line: e.line, "mem: expected a size in bytes, up to 1 GiB")
                                }
                                var left = UInt64(n)
                                while left > 0 {
                                    try emit(.store(address: memBase + memCursor % max(bufferBytes, 64), size: 8))
                                    memCursor += 64
                                    left = left > 64 ? left - 64 : 0
                                }
                            case "iorun":
                                guard let n = e.value.number, n >= 0, n < 1.8e19 else { throw TraceError(file: path, line: e.line, "iorun: expected a size in bytes") }
                                try emit(.syscall(name: sysWrite, args: SyscallArguments([1, UInt64(n)])))
                            case "lock": try emit(.lock(address: mutex(try name())))
                            case "unlock": try emit(.unlock(address: mutex(try name())))
                            case "wait", "sync":
                                guard let ref = e.value["ref"]?.string else { throw TraceError(file: path, line: e.line, "\(e.key): expected {\"ref\": name, \"mutex\": name}") }
                                if k == "sync" { try signal(ref, all: false, from: t, emit: emit) }
                                let m = e.value["mutex"]?.string
                                if let m { try emit(.unlock(address: mutex(m))) }
                                try emit(.wait)
                                if let m { try emit(.lock(address: mutex(m))) }
                            case "signal": try signal(try name(), all: false, from: t, emit: emit)
                            case "broad": try signal(try name(), all: true, from: t, emit: emit)
                            case "barrier":
                                let b = try name()
                                let id = barrierIDs[b] ?? UInt32(barrierIDs.count)
                                barrierIDs[b] = id
                                try emit(.barrier(id: id, parties: UInt32(barrierUsers[b]?.count ?? 1)))
                            case "suspend": try emit(.wait)
                            case "resume":
                                // Wakes a thread suspended on the resource (none: a resume nobody waits for).
                                try signal(try name(), all: false, from: t, emit: emit)
                            case "yield": try emit(.syscall(name: sysYield, args: SyscallArguments()))
                            default: break
                            }
                        }
                    }
                }
                try emit(.marker)
                iteration += 1
                if d.loop < 0 && nominal == before && iteration >= 100_000 { break }
            }
            if d.loop < 0 && iteration >= 100_000 {
                report.notes.append("thread \(inst.name): a forever-loop cut at 100,000 passes (\(TextTrace.format(nominal)) of nominal time)")
            }
            try emit(.exit)
        }
        func signal(_ ref: String, all: Bool, from: Int, emit: (TraceRecord) throws(TraceError) -> Void) throws(TraceError) {
            let list = (waiters[ref] ?? []).filter { $0 != from }
            guard !list.isEmpty else { return }
            if all {
                for w in list { try emit(.wake(thread: UInt32(w))) }
            } else {
                let i = nextWaiter[ref, default: 0]
                nextWaiter[ref] = i + 1
                try emit(.wake(thread: UInt32(list[i % list.count])))
            }
        }
        report.notes.append("run and runtime are busy time (not scaled by the simulated CPU's speed); priorities and affinities are not in the trace (set them in the scenario)")
        return report
    }

    static func kind(_ key: String) -> String? { eventKeys.first { key.hasPrefix($0) } }

    static func events(_ members: [(key: String, value: LenientJSON, line: Int)], path: String,
                       at where_: String) throws(TraceError) -> [(key: String, value: LenientJSON, line: Int)] {
        var out: [(key: String, value: LenientJSON, line: Int)] = []
        for m in members {
            if ignoredKeys.contains(m.key) { continue }
            guard kind(m.key) != nil else {
                throw TraceError(file: path, line: m.line, "\(where_).\(m.key): expected an rt-app event (\(eventKeys.joined(separator: ", "))) or a thread property")
            }
            out.append(m)
        }
        return out
    }
}
