import SimKernelModel
import SimMachine

/// Writes a run's observations as a Perfetto trace (`mksim run --timeline FILE`): the
/// protobuf TrackEvent format that ui.perfetto.dev and Perfetto's trace processor read.
///
/// Layout: a process per kernel; under it a track per CPU (the task running, interrupt
/// handlers nested in it, IPI sends and message sends and receives as instants with flow
/// arrows from sender to receiver, device interrupts) and a thread per task (its system
/// calls; lock waits and holds on a track per task and lock, since holds need not nest);
/// a counter per channel direction (messages in the ring); kernel state changes, migrations
/// and resource-move steps as instants. docs/timeline.md describes every track.
///
/// `window` keeps the events that begin inside it (slices still open at its end are cut
/// there; slices begun before it are left out); `kernels` keeps the tracks of those
/// kernels only. Records are put in time order by an `ObservationWindow`; the file is
/// written under a temporary name and renamed when complete.
public final class PerfettoTimeline: Observer {
    public struct Options: Sendable {
        public var from: Picoseconds
        public var to: Picoseconds
        /// Kernel names whose tracks are kept (nil: all).
        public var kernels: Set<String>?
        public init(from: Picoseconds = .zero, to: Picoseconds = .max, kernels: Set<String>? = nil) {
            self.from = from; self.to = to; self.kernels = kernels
        }
    }

    /// What was written, for the summary line and tests.
    public struct Counts: Sendable {
        public var slices = 0, instants = 0, flows = 0, counterValues = 0
    }

    private let file: AtomicOutput
    private let options: Options
    private var window = ObservationWindow()
    private var names: ObservationNames?
    private var out: [UInt8] = []
    public private(set) var counts = Counts()

    // Slices open per track (their depth), tracks described, per-CPU running task.
    private var depth: [UInt64: Int] = [:]
    private var described: Set<UInt64> = []
    private var running: [Int] = []
    private var taskLabels: [String] = []
    private var kernelKept: [Bool] = []
    // Flows: an IPI's by (target, vector, send time); a message's by ring, in ring order.
    private var ipiFlows: [IPIKey: UInt64] = [:]
    private var handlerFlow: [Int: UInt64] = [:]
    private var ringSent: [[UInt64]] = []
    private var ringOccupancy: [Int] = []
    private var nextFlow: UInt64 = 1
    private var last = Picoseconds.zero
    private var wroteFirst = false

    private struct IPIKey: Hashable { var cpu: Int; var vector: UInt8; var sentAt: UInt64 }

    public init(path: String, options: Options = Options()) throws {
        file = try AtomicOutput(path: path)
        self.options = options
    }

    // MARK: Observer

    public func begin(_ names: ObservationNames) {
        self.names = names
        running = Array(repeating: -1, count: names.cpuKernels.count)
        kernelKept = names.kernels.map { options.kernels?.contains($0) ?? true }
        var perWorkload: [String: Int] = [:]
        taskLabels = names.tasks.map { t in
            let i = perWorkload[t.workload, default: 0]
            perWorkload[t.workload] = i + 1
            return "\(t.workload)[\(i)]"
        }
        ringSent = Array(repeating: [], count: names.rings.count)
        ringOccupancy = Array(repeating: 0, count: names.rings.count)
        for (k, name) in names.kernels.enumerated() where kernelKept[k] {
            var process = ProtoMessage()
            process.int(1, Int64(k + 1))
            process.string(6, name)
            var d = ProtoMessage()
            d.uint(1, Self.kernelTrack(k))
            d.message(3, process)
            describe(d)
        }
        for (c, k) in names.cpuKernels.enumerated() where kept(kernel: k) {
            var d = ProtoMessage()
            d.uint(1, Self.cpuTrack(c))
            if k >= 0 { d.uint(5, Self.kernelTrack(k)) }
            d.string(2, "CPU \(c)")
            describe(d)
        }
        for (t, task) in names.tasks.enumerated() where kept(kernel: task.kernel) {
            var thread = ProtoMessage()
            thread.int(1, Int64(task.kernel + 1))
            thread.int(2, Int64(Self.tidBase + t))
            thread.string(5, taskLabels[t])
            var d = ProtoMessage()
            d.uint(1, Self.taskTrack(t))
            d.message(4, thread)
            describe(d)
        }
        for (r, ring) in names.rings.enumerated() where kept(kernel: ring.to) {
            var d = ProtoMessage()
            d.uint(1, Self.ringTrack(r))
            d.uint(5, Self.kernelTrack(ring.to))
            d.string(2, "\(ring.channel) \(kernelName(ring.from))->\(kernelName(ring.to)) in ring")
            d.message(8, ProtoMessage())  // a counter track
            describe(d)
        }
        window.addBoots(names)
    }

    public func observe(_ record: Observation, at time: Picoseconds) {
        if names?.learn(record) == true { return }
        if window.add(record, at: time) { drain(all: false) }
    }

    /// Writes what is left, ends the slices still open, and gives the file its name.
    public func finish() throws {
        drain(all: true)
        let end = min(last, options.to)
        for (track, open) in depth.sorted(by: { $0.key < $1.key }) {
            for _ in 0..<open { event(track, type: 2, at: end) }
        }
        depth.removeAll()
        file.write(out)
        out.removeAll()
        try file.commit()
    }

    public func discard() { file.discard() }

    // MARK: Records to events

    private func drain(all: Bool) {
        window.drain(all: all) { record($0, at: $1) }
        file.write(out)
        out.removeAll(keepingCapacity: true)
    }

    private func record(_ r: Observation, at t: Picoseconds) {
        if t > last { last = t }
        switch r {
        case .taskRun(let c, let task):
            guard keptCPU(c), running[c] != task else { return }
            if running[c] >= 0 { end(Self.cpuTrack(c), at: t) }
            running[c] = task
            begin(Self.cpuTrack(c), taskLabels.at(task) ?? "task \(task)", category: "task", at: t)
        case .contextSwitch(let c, _, _), .cpuIdle(let c):
            guard keptCPU(c), running[c] >= 0 else { return }
            end(Self.cpuTrack(c), at: t)
            running[c] = -1
        case .migrationDepart(let task, let c):
            guard keptCPU(c) else { return }
            if running[c] == task {
                end(Self.cpuTrack(c), at: t)
                running[c] = -1
            }
            if keptTask(task) { instant(Self.taskTrack(task), "migrates away from CPU \(c)", category: "task", at: t) }
        case .migrationArrive(let task):
            if keptTask(task) { instant(Self.taskTrack(task), "arrives", category: "task", at: t) }
        case .handlerEnter(let c, let vector):
            guard keptCPU(c) else { return }
            let flow = handlerFlow.removeValue(forKey: c << 8 | Int(vector))
            begin(Self.cpuTrack(c), "interrupt 0x" + String(vector, radix: 16), category: "irq", at: t, terminating: flow)
        case .handlerExit(let c, _):
            guard keptCPU(c) else { return }
            end(Self.cpuTrack(c), at: t)
        case .ipiSent(let from, let to, let vector):
            guard keptCPU(from) || keptCPU(to), inWindow(t) else { return }
            let id = flowID()
            ipiFlows[IPIKey(cpu: to, vector: vector, sentAt: t.raw)] = id
            if keptCPU(from) { instant(Self.cpuTrack(from), "IPI 0x\(String(vector, radix: 16)) to CPU \(to)", category: "ipi", at: t, flow: id) }
        case .ipiDelivered(let c, let vector, let sentAt):
            // Coalesced with one pending: the handler ends the first send's arrow.
            if let id = ipiFlows.removeValue(forKey: IPIKey(cpu: c, vector: vector, sentAt: sentAt.raw)), handlerFlow[c << 8 | Int(vector)] == nil {
                handlerFlow[c << 8 | Int(vector)] = id
            }
        case .messageSent(let ring, let c, let family):
            let id = flowID()
            ringSent[ring].append(id)
            occupancy(ring, by: 1, at: t)
            if keptCPU(c) { instant(Self.cpuTrack(c), "send \(ringLabel(ring)) (\(family.name))", category: "message", at: t, flow: id) }
        case .messageDelivered(let ring, let c, let family, _):
            let id = ringSent[ring].isEmpty ? nil : ringSent[ring].removeFirst()
            occupancy(ring, by: -1, at: t)
            if keptCPU(c) { instant(Self.cpuTrack(c), "receive \(ringLabel(ring)) (\(family.name))", category: "message", at: t, terminating: id) }
        case .syscallEnter(_, let task, let s):
            guard keptTask(task) else { return }
            begin(Self.taskTrack(task), syscallName(task: task, s), category: "syscall", at: t)
        case .syscallExit(_, let task, _):
            guard keptTask(task) else { return }
            end(Self.taskTrack(task), at: t)
        case .lockAcquired(_, let task, let lock, let waited, _):
            guard keptTask(task) else { return }
            let track = lockTrack(task: task, lock: lock)
            if waited > .zero && inWindow(t - waited) {
                begin(track, "wait", category: "lock", at: t - waited)
                end(track, at: t)
            }
            begin(track, "hold", category: "lock", at: t)
        case .lockReleased(_, let task, let lock):
            guard keptTask(task) else { return }
            end(lockTrack(task: task, lock: lock), at: t)
        case .lockSleep(_, let task, let lock):
            guard keptTask(task) else { return }
            instant(lockTrack(task: task, lock: lock), "sleeps", category: "lock", at: t)
        case .kernelState(let k, let state):
            guard k >= 0, k < kernelKept.count, kernelKept[k] else { return }
            instant(Self.kernelTrack(k), "\(kernelName(k)) \(state.rawValue)", category: "kernel", at: t)
        case .deviceInterrupt(let device, let c, let accepted):
            guard keptCPU(c) else { return }
            let name = names.flatMap { $0.devices.at(device) } ?? "device \(device)"
            instant(Self.cpuTrack(c), "\(name) interrupt" + (accepted ? "" : " (coalesced)"), category: "device", at: t)
        case .moveStep(let move, let step):
            instant(Self.movesTrack, "move \(move) step \(step)", category: "move", at: t)
        case .lockNamed:
            return  // taken by observe(), never in the window
        }
    }

    // MARK: Tracks

    static let tidBase = 10_000
    static func kernelTrack(_ k: Int) -> UInt64 { 1 << 32 | UInt64(k) }
    static func cpuTrack(_ c: Int) -> UInt64 { 2 << 32 | UInt64(c) }
    static func taskTrack(_ t: Int) -> UInt64 { 3 << 32 | UInt64(t) }
    static func ringTrack(_ r: Int) -> UInt64 { 4 << 32 | UInt64(r) }
    static let movesTrack: UInt64 = 5 << 32

    private func lockTrack(task: Int, lock: Int) -> UInt64 {
        let uuid = 6 << 56 | UInt64(task) << 24 | UInt64(lock)
        if !described.contains(uuid) {
            var d = ProtoMessage()
            d.uint(1, uuid)
            d.uint(5, Self.taskTrack(task))
            d.string(2, names?.locks.at(lock) ?? "lock \(lock)")
            describe(d)
            described.insert(uuid)
        }
        return uuid
    }

    private func kept(kernel k: Int) -> Bool { k < 0 ? options.kernels == nil : k < kernelKept.count && kernelKept[k] }
    private func keptCPU(_ c: Int) -> Bool { c >= 0 && c < running.count && kept(kernel: names?.cpuKernels[c] ?? -1) }
    private func keptTask(_ t: Int) -> Bool { t >= 0 && t < taskLabels.count && kept(kernel: names?.tasks[t].kernel ?? -1) }
    private func inWindow(_ t: Picoseconds) -> Bool { t >= options.from && t < options.to }

    private func kernelName(_ k: Int) -> String { names?.kernels.at(k) ?? "-" }
    private func ringLabel(_ r: Int) -> String {
        guard let ring = names?.rings.at(r) else { return "ring \(r)" }
        return "\(ring.channel) \(kernelName(ring.from))->\(kernelName(ring.to))"
    }
    private func syscallName(task: Int, _ s: Int) -> String {
        guard let names, let k = names.tasks.at(task)?.kernel, let name = names.syscalls.at(k)?.at(s) else { return "syscall \(s)" }
        return name
    }

    private func occupancy(_ ring: Int, by delta: Int, at t: Picoseconds) {
        ringOccupancy[ring] = max(0, ringOccupancy[ring] + delta)
        guard let r = names?.rings.at(ring), kept(kernel: r.to), inWindow(t) else { return }
        var e = ProtoMessage()
        e.uint(9, 4)
        e.uint(11, Self.ringTrack(ring))
        e.int(30, Int64(ringOccupancy[ring]))
        packet(e, at: t)
        counts.counterValues += 1
    }

    // MARK: Events

    private func flowID() -> UInt64 {
        defer { nextFlow &+= 1 }
        return nextFlow
    }

    private func begin(_ track: UInt64, _ name: String, category: String, at t: Picoseconds, terminating: UInt64? = nil) {
        guard inWindow(t) else { return }
        depth[track, default: 0] += 1
        counts.slices += 1
        event(track, type: 1, name: name, category: category, at: t, terminating: terminating)
    }

    /// Ends the innermost slice of `track` if one is open (cut at the window's end).
    private func end(_ track: UInt64, at t: Picoseconds) {
        guard let open = depth[track], open > 0 else { return }
        depth[track] = open == 1 ? nil : open - 1
        event(track, type: 2, at: min(t, options.to))
    }

    private func instant(_ track: UInt64, _ name: String, category: String, at t: Picoseconds, flow: UInt64? = nil, terminating: UInt64? = nil) {
        guard inWindow(t) else { return }
        counts.instants += 1
        event(track, type: 3, name: name, category: category, at: t, flow: flow, terminating: terminating)
    }

    private func event(_ track: UInt64, type: UInt64, name: String? = nil, category: String? = nil, at t: Picoseconds,
                       flow: UInt64? = nil, terminating: UInt64? = nil) {
        var e = ProtoMessage()
        e.uint(9, type)
        e.uint(11, track)
        if let category { e.string(22, category) }
        if let name { e.string(23, name) }
        if let flow { e.fixed64(47, flow); counts.flows += 1 }
        if let terminating { e.fixed64(48, terminating) }
        packet(e, at: t)
    }

    private func packet(_ trackEvent: ProtoMessage, at t: Picoseconds) {
        var p = ProtoMessage()
        p.uint(8, t.raw / 1000)  // ns
        p.uint(10, 1)
        p.message(11, trackEvent)
        append(p)
    }

    private func describe(_ descriptor: ProtoMessage) {
        var p = ProtoMessage()
        p.uint(10, 1)
        p.message(60, descriptor)
        append(p)
    }

    /// One packet of the `Trace` message (field 1, repeated).
    private func append(_ packet: ProtoMessage) {
        var p = packet
        if !wroteFirst {
            p.uint(13, 1)  // SEQ_INCREMENTAL_STATE_CLEARED: the sequence starts here
            wroteFirst = true
        }
        var wrapper = ProtoMessage()
        wrapper.message(1, p)
        out.append(contentsOf: wrapper.bytes)
    }
}

