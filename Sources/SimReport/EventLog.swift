import Foundation
import SimKernelModel
import SimMachine
import SimScenario

/// Writes a run's observations as JSON Lines (`mksim run --events FILE`), one object per
/// record in simulated-time order; docs/events.md documents every kind and field.
///
/// Records are put back in time order in an `ObservationWindow`, so memory stays bounded
/// on long runs. The file is written under a temporary name and renamed by `finish()`: the
/// final name never holds a partial log.
public final class EventLog: Observer {
    private let file: AtomicOutput
    private var names: ObservationNames?
    private var window = ObservationWindow()
    private var out: [UInt8] = []

    public init(path: String) throws {
        file = try AtomicOutput(path: path)
    }

    /// Starts the records of one run (a point of the scenario): a `run` line naming it.
    public func startRun(point: RunPoint, index: Int) {
        drain(all: true)
        window.restart()  // each point's time starts at zero
        var line = "{\"kind\":\"run\",\"point\":\(index + 1),\"scenario\":\(quote(point.scenario.name))"
        if let v = point.variant { line += ",\"variant\":\(quote(v))" }
        line += ",\"seed\":\(point.scenario.config.seed)}\n"
        out.append(contentsOf: line.utf8)
    }

    /// Takes the names, and each kexec boot's records at their times (they wait in the
    /// window like any record, without moving it forward).
    public func begin(_ names: ObservationNames) {
        self.names = names
        window.addBoots(names)
    }

    public func observe(_ record: Observation, at time: Picoseconds) {
        if names?.learn(record) == true { return }
        if window.add(record, at: time) { drain(all: false) }
    }

    /// Writes what is left and gives the file its name.
    public func finish() throws {
        drain(all: true)
        try file.commit()
    }

    /// Removes the temporary file (a run that failed leaves no log).
    public func discard() { file.discard() }

    /// Writes the records older than the window's horizon (or all), in time order.
    private func drain(all: Bool) {
        window.drain(all: all) { write($0, at: $1) }
        file.write(out)
        out.removeAll(keepingCapacity: true)
    }

    private func write(_ record: Observation, at time: Picoseconds) {
        var f = Fields(time: time)
        switch record {
        case .contextSwitch(let cpu, let from, let to):
            f.kind("context_switch"); cpuFields(&f, cpu); taskField(&f, "from", from); taskField(&f, "to", to)
        case .taskRun(let cpu, let task):
            f.kind("task_run"); cpuFields(&f, cpu); taskField(&f, "task", task)
        case .cpuIdle(let cpu):
            f.kind("cpu_idle"); cpuFields(&f, cpu)
        case .handlerEnter(let cpu, let vector):
            f.kind("handler_enter"); cpuFields(&f, cpu); f.add("vector", vectorText(vector))
        case .handlerExit(let cpu, let vector):
            f.kind("handler_exit"); cpuFields(&f, cpu); f.add("vector", vectorText(vector))
        case .ipiSent(let from, let to, let vector):
            f.kind("ipi_sent"); cpuFields(&f, from); f.add("to", to); f.add("vector", vectorText(vector))
        case .ipiDelivered(let cpu, let vector, let sentAt):
            f.kind("ipi_delivered"); cpuFields(&f, cpu); f.add("vector", vectorText(vector)); f.addTime("sent_ns", sentAt)
        case .messageSent(let ring, let cpu, let family):
            f.kind("message_sent"); cpuFields(&f, cpu); ringFields(&f, ring); f.add("family", quote(family.name))
        case .messageDelivered(let ring, let cpu, let family, let latency):
            f.kind("message_delivered"); cpuFields(&f, cpu); ringFields(&f, ring); f.add("family", quote(family.name))
            f.addTime("latency_ns", latency)
        case .syscallEnter(let cpu, let task, let s):
            f.kind("syscall_enter"); cpuFields(&f, cpu); taskField(&f, "task", task); syscallField(&f, cpu, s)
        case .syscallExit(let cpu, let task, let s):
            f.kind("syscall_exit"); cpuFields(&f, cpu); taskField(&f, "task", task); syscallField(&f, cpu, s)
        case .lockAcquired(let cpu, let task, let lock, let waited, let contended):
            f.kind("lock_acquired"); cpuFields(&f, cpu); taskField(&f, "task", task); lockField(&f, lock)
            f.addTime("waited_ns", waited); f.add("contended", contended ? "true" : "false")
        case .lockReleased(let cpu, let task, let lock):
            f.kind("lock_released"); cpuFields(&f, cpu); taskField(&f, "task", task); lockField(&f, lock)
        case .lockSleep(let cpu, let task, let lock):
            f.kind("lock_sleep"); cpuFields(&f, cpu); taskField(&f, "task", task); lockField(&f, lock)
        case .kernelState(let kernel, let state):
            f.kind("kernel_state"); f.add("kernel", quote(kernelName(kernel))); f.add("state", quote(state.rawValue))
        case .migrationDepart(let task, let cpu):
            f.kind("migration_depart"); cpuFields(&f, cpu); taskField(&f, "task", task)
        case .migrationArrive(let task):
            f.kind("migration_arrive"); taskField(&f, "task", task)
        case .deviceInterrupt(let device, let cpu, let accepted):
            f.kind("device_interrupt"); cpuFields(&f, cpu)
            f.add("device", quote(names.flatMap { device < $0.devices.count ? $0.devices[device] : nil } ?? "\(device)"))
            f.add("coalesced", accepted ? "false" : "true")
        case .moveStep(let move, let step):
            f.kind("move_step"); f.add("move", move); f.add("step", step)
        case .lockNamed:
            return  // taken by observe(), never in the window
        }
        out.append(contentsOf: f.text.utf8)
        out.append(contentsOf: "}\n".utf8)
    }

    private func kernelName(_ k: Int) -> String {
        guard let names, k >= 0, k < names.kernels.count else { return "-" }
        return names.kernels[k]
    }

    private func cpuFields(_ f: inout Fields, _ cpu: Int) {
        guard cpu >= 0 else { return }
        f.add("cpu", cpu)
        if let names, cpu < names.cpuKernels.count { f.add("kernel", quote(kernelName(names.cpuKernels[cpu]))) }
    }

    private func taskField(_ f: inout Fields, _ key: String, _ task: Int) {
        guard task >= 0 else { f.add(key, "null"); return }
        f.add(key, task)
        if let names, task < names.tasks.count { f.add(key + "_workload", quote(names.tasks[task].workload)) }
    }

    private func ringFields(_ f: inout Fields, _ ring: Int) {
        guard let names, ring < names.rings.count else { f.add("ring", ring); return }
        let r = names.rings[ring]
        f.add("channel", quote(r.channel)); f.add("from", quote(kernelName(r.from))); f.add("to", quote(kernelName(r.to)))
    }

    private func syscallField(_ f: inout Fields, _ cpu: Int, _ s: Int) {
        guard let names, cpu >= 0, cpu < names.cpuKernels.count else { f.add("syscall", s); return }
        let k = names.cpuKernels[cpu]
        if k >= 0 && k < names.syscalls.count && s >= 0 && s < names.syscalls[k].count {
            f.add("syscall", quote(names.syscalls[k][s]))
        } else {
            f.add("syscall", s)
        }
    }

    private func lockField(_ f: inout Fields, _ lock: Int) {
        if let names, lock < names.locks.count { f.add("lock", quote(names.locks[lock])) } else { f.add("lock", lock) }
    }

    private func vectorText(_ v: UInt8) -> String { "\"0x" + String(v, radix: 16) + "\"" }

    private func quote(_ s: String) -> String { JSONValue.string(s).render() }

    /// One JSON object's text under construction: `t_ns` and `kind` first.
    private struct Fields {
        var text: String
        init(time: Picoseconds) { text = "{\"t_ns\":" + Fields.ns(time) }
        mutating func kind(_ k: String) { text += ",\"kind\":\"" + k + "\"" }
        mutating func add(_ key: String, _ value: String) { text += ",\"" + key + "\":" + value }
        mutating func add(_ key: String, _ value: Int) { add(key, String(value)) }
        mutating func addTime(_ key: String, _ t: Picoseconds) { add(key, Fields.ns(t)) }
        /// Nanoseconds with the picoseconds as three decimals, exactly.
        static func ns(_ t: Picoseconds) -> String {
            let ps = t.raw % 1000
            let frac = ps < 10 ? "00\(ps)" : ps < 100 ? "0\(ps)" : "\(ps)"
            return "\(t.raw / 1000).\(frac)"
        }
    }
}
