import Foundation
import SimKernelModel
import SimMachine

/// Which records a narration tells, and how many (`mksim run --narrate`, `mksim step`).
public struct NarrationOptions: Sendable {
    /// 1: what matters to the story (kernels' states, IPIs taken, messages, contended locks,
    /// migrations, devices, resource moves); 2: also IPIs sent, handlers, system calls,
    /// every lock taken, context switches; 3: everything (tasks starting, CPUs idling,
    /// locks released).
    public var level = 1
    /// Only records about these kernels (by name), CPUs, kinds; nil: all.
    public var kernels: Set<String>?
    public var cpus: Set<Int>?
    public var kinds: Set<Narration.Kind>?
    public init() {}
}

/// Turns observations into plain sentences with times:
/// `   12.403 µs  CPU 4 (kernel right) receives IPI 0x40 from CPU 0: a message on channel link, 926 ns after it was sent`.
///
/// It remembers what it needs to tell a record's story (an IPI's sender, from its send
/// record), so it reads the records in time order.
public struct Narration {
    public enum Kind: String, CaseIterable, Sendable {
        case kernel, ipi, message, handler, syscall, lock, `switch`, task, migration, device, move
    }

    public var options: NarrationOptions
    private var names: ObservationNames?
    /// IPIs sent and not yet arrived, by (target, vector, send time): their sender.
    private var inFlight: [IPIKey: [Int]] = [:]

    private struct IPIKey: Hashable { var to: Int; var vector: UInt8; var sentAt: UInt64 }

    public init(options: NarrationOptions) { self.options = options }

    public mutating func begin(_ names: ObservationNames) {
        self.names = names
        inFlight.removeAll()
    }

    /// Takes a naming record as it arrives (before the records that use the name); true if
    /// `record` was one.
    public mutating func learn(_ record: Observation) -> Bool { names?.learn(record) == true }

    /// The record's sentence with its time, or nil when the options leave it out.
    public mutating func line(_ record: Observation, at time: Picoseconds, ignoringLevel: Bool = false) -> String? {
        // Remember every send, told or not: a delivery told later names its sender.
        if case .ipiSent(let from, let to, let vector) = record {
            inFlight[IPIKey(to: to, vector: vector, sentAt: time.raw), default: []].append(from)
        }
        var from: Int?
        if case .ipiDelivered(let cpu, let vector, let sentAt) = record {
            let key = IPIKey(to: cpu, vector: vector, sentAt: sentAt.raw)
            if var senders = inFlight[key], !senders.isEmpty {
                from = senders.removeFirst()
                inFlight[key] = senders.isEmpty ? nil : senders
            }
        }
        if learn(record) { return nil }
        let (kind, level) = Self.classify(record)
        guard ignoringLevel || level <= options.level, options.kinds?.contains(kind) ?? true, passesFilters(record) else { return nil }
        return Self.time(time) + "  " + sentence(record, at: time, ipiFrom: from)
    }

    // MARK: Which records

    public static func classify(_ record: Observation) -> (Kind, Int) {
        switch record {
        case .kernelState: return (.kernel, 1)
        case .ipiSent: return (.ipi, 2)
        case .ipiDelivered: return (.ipi, 1)
        case .messageSent, .messageDelivered: return (.message, 1)
        case .handlerEnter, .handlerExit: return (.handler, 2)
        case .syscallEnter, .syscallExit: return (.syscall, 2)
        case .lockAcquired(_, _, _, _, let contended): return (.lock, contended ? 1 : 2)
        case .lockSleep: return (.lock, 1)
        case .lockReleased: return (.lock, 3)
        case .contextSwitch: return (.switch, 2)
        case .taskRun, .cpuIdle: return (.task, 3)
        case .migrationDepart, .migrationArrive: return (.migration, 1)
        case .deviceInterrupt: return (.device, 1)
        case .moveStep: return (.move, 1)
        case .lockNamed: return (.lock, 4)  // never told
        }
    }

    private func passesFilters(_ record: Observation) -> Bool {
        let (cpu, kernels) = subjects(record)
        if let want = options.cpus {
            guard let cpu, want.contains(cpu) else { return false }
        }
        if let want = options.kernels {
            guard kernels.contains(where: { want.contains(kernelName($0)) }) else { return false }
        }
        return true
    }

    /// The CPU a record is about (nil: none) and the kernels it concerns.
    private func subjects(_ record: Observation) -> (Int?, [Int]) {
        switch record {
        case .contextSwitch(let c, _, _), .taskRun(let c, _), .cpuIdle(let c), .handlerEnter(let c, _), .handlerExit(let c, _),
             .ipiDelivered(let c, _, _), .syscallEnter(let c, _, _), .syscallExit(let c, _, _), .lockAcquired(let c, _, _, _, _),
             .lockReleased(let c, _, _), .lockSleep(let c, _, _), .migrationDepart(_, let c), .deviceInterrupt(_, let c, _):
            return (c, [cpuKernel(c)])
        case .ipiSent(let from, let to, _):
            return (from, [cpuKernel(from), cpuKernel(to)])
        case .messageSent(let ring, let c, _), .messageDelivered(let ring, let c, _, _):
            let r = names?.rings.at(ring)
            return (c, [cpuKernel(c)] + (r.map { [$0.from, $0.to] } ?? []))
        case .kernelState(let k, _): return (nil, [k])
        case .migrationArrive(let t): return (nil, [names?.tasks.at(t)?.kernel ?? -1])
        case .moveStep, .lockNamed: return (nil, [])
        }
    }

    // MARK: Sentences

    private func sentence(_ record: Observation, at time: Picoseconds, ipiFrom: Int?) -> String {
        switch record {
        case .kernelState(let k, let state):
            let name = "kernel " + kernelName(k)
            switch state {
            case .loaded: return "\(name) is loaded by kexec and starts booting"
            case .active: return "\(name) is active: its tasks can start"
            case .panicked: return "\(name) panics: its CPUs stop, its tasks are lost"
            case .halted: return "\(name) halts (an orderly shutdown)"
            case .respawning: return "\(name) is booted again by the host"
            }
        case .ipiSent(let from, let to, let vector):
            return "\(cpu(from)) sends IPI \(hex(vector)) to CPU \(to)\(purpose(vector, prefix: ": "))"
        case .ipiDelivered(let c, let vector, let sentAt):
            let sender = ipiFrom.map { " from CPU \($0)" } ?? ""
            return "\(cpu(c)) receives IPI \(hex(vector))\(sender)\(purpose(vector, prefix: ": ")), \(Self.duration(Picoseconds(time.raw &- min(time.raw, sentAt.raw)))) after it was sent"
        case .messageSent(let ring, let c, let family):
            let r = names?.rings.at(ring)
            return "\(cpu(c)) sends \(Self.article(family.name)) \(family.name) message to kernel \(kernelName(r?.to ?? -1)) on channel \(r?.channel ?? "ring \(ring)")"
        case .messageDelivered(let ring, let c, let family, let latency):
            let r = names?.rings.at(ring)
            return "\(cpu(c)) takes the \(family.name) message from kernel \(kernelName(r?.from ?? -1)) off channel \(r?.channel ?? "ring \(ring)"), \(Self.duration(latency)) after it was sent"
        case .handlerEnter(let c, let vector):
            return "\(cpu(c)) enters the handler of \(hex(vector))\(purpose(vector, prefix: " (", suffix: ")"))"
        case .handlerExit(let c, let vector):
            return "\(cpu(c)) returns from the handler of \(hex(vector))"
        case .syscallEnter(let c, let t, let s):
            return "\(cpu(c)): \(task(t)) enters system call \(syscallName(c, s))"
        case .syscallExit(let c, let t, let s):
            return "\(cpu(c)): \(task(t)) returns from \(syscallName(c, s))"
        case .lockAcquired(let c, let t, let l, let waited, let contended):
            return "\(cpu(c)): \(task(t)) takes lock \(lockName(l))" + (contended ? " after waiting \(Self.duration(waited))" : " at once")
        case .lockReleased(let c, let t, let l):
            return "\(cpu(c)): \(task(t)) releases lock \(lockName(l))"
        case .lockSleep(let c, let t, let l):
            return "\(cpu(c)): \(task(t)) goes to sleep on lock \(lockName(l))'s wait list"
        case .contextSwitch(let c, let from, let to):
            return "\(cpu(c)) switches from \(from >= 0 ? task(from) : "idle") to \(to >= 0 ? task(to) : "idle")"
        case .taskRun(let c, let t):
            return "\(cpu(c)) runs \(task(t))"
        case .cpuIdle(let c):
            return "\(cpu(c)) has nothing to run"
        case .migrationDepart(let t, let c):
            return "\(task(t)) leaves CPU \(c) for another kernel"
        case .migrationArrive(let t):
            return "\(task(t)) arrives in its new kernel"
        case .deviceInterrupt(let d, let c, let accepted):
            return "device \(names?.devices.at(d) ?? "\(d)") raises its interrupt on \(cpu(c))" + (accepted ? "" : " (one is already pending: coalesced)")
        case .moveStep(let m, let step):
            return "resource move \(m + 1): " + (Observation.moveStepDescriptions.at(step) ?? "step \(step)")
        case .lockNamed(let l, let name):
            return "lock #\(l) is \(name)"
        }
    }

    private func cpuKernel(_ c: Int) -> Int { names?.cpuKernels.at(c) ?? -1 }

    private func kernelName(_ k: Int) -> String { names?.kernels.at(k) ?? "-" }

    private func cpu(_ c: Int) -> String {
        let k = cpuKernel(c)
        return k >= 0 ? "CPU \(c) (kernel \(kernelName(k)))" : "CPU \(c)"
    }

    private func task(_ t: Int) -> String {
        guard let w = names?.tasks.at(t)?.workload else { return "task \(t)" }
        return "task \(t) (\(w))"
    }

    private func lockName(_ l: Int) -> String { names?.locks.at(l) ?? "#\(l)" }

    private func syscallName(_ c: Int, _ s: Int) -> String {
        names?.syscalls.at(cpuKernel(c))?.at(s) ?? "#\(s)"
    }

    private func hex(_ v: UInt8) -> String { "0x" + String(v, radix: 16) }

    /// What the vector is for, in words, between `prefix` and `suffix` ("" if nothing to say).
    private func purpose(_ v: UInt8, prefix: String, suffix: String = "") -> String {
        let text: String?
        switch VectorPurpose(vector: v) {
        case .channel(let ring): text = "a message on channel " + (names?.rings.at(ring)?.channel ?? "ring \(ring)")
        case .device(let d): text = "device " + (names?.devices.at(d) ?? "\(d)")
        case .ipiRing: text = "the IPI ring's forwarding"
        case .broadcast: text = "an IPI broadcast"
        case .flood: text = "a flood of IPIs"
        case .tlbShootdown: text = "a TLB shootdown request"
        case .nmi: text = "a non-maskable interrupt"
        case .other: text = nil
        }
        return text.map { prefix + $0 + suffix } ?? ""
    }

    // MARK: Numbers

    /// A time as microseconds with three decimals, right-aligned.
    public static func time(_ t: Picoseconds) -> String {
        let ns = t.raw / 1000
        let text = "\(ns / 1000).\(pad3(ns % 1000)) µs"
        return String(repeating: " ", count: max(0, 13 - text.count)) + text
    }

    /// A duration in the unit that reads best: 926 ns, 12.4 µs, 1.25 ms.
    public static func duration(_ d: Picoseconds) -> String {
        let ps = Double(d.raw)
        if ps < 10_000 { return String(format: "%.1f ns", ps / 1000) }
        if ps < 1_000_000 { return String(format: "%.0f ns", ps / 1000) }
        if ps < 1_000_000_000 { return String(format: "%.1f µs", ps / 1_000_000) }
        return String(format: "%.2f ms", ps / 1_000_000_000)
    }

    /// "a" or "an" before a word.
    static func article(_ word: String) -> String { "aeiou".contains(word.first ?? "x") ? "an" : "a" }

    private static func pad3(_ v: UInt64) -> String { v < 10 ? "00\(v)" : v < 100 ? "0\(v)" : "\(v)" }
}
