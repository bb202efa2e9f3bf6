import SimKernelModel
import SimMachine
import SimReport
import SimScenario

/// One point run for the display: the engine advanced to the time the viewer asks for,
/// and what the observation stream says is under way then (IPIs and messages in flight,
/// the last things told), for `MachinePicture` to draw.
///
/// Records arrive a little ahead of the engine (a CPU running ahead through pure work
/// reports at its own clock); each is applied once the viewed time reaches it.
public final class DisplaySession {
    public private(set) var sim: Simulation
    public let point: RunPoint
    /// The time shown: never past the engine's next event.
    public private(set) var time = Picoseconds.zero
    /// The run's result once no event is left.
    public private(set) var result: SimulationResult?
    public var selectedCPU: Int?
    /// A cache line chosen in the panel (by name): its owner and sharers are outlined.
    public var selectedLine: String?

    private let collector = ObservationCollector()
    private var narration: Narration
    /// In flight: IPIs by (target, vector, send time) → sender; messages per ring, oldest
    /// first: (sender CPU, send time).
    private(set) var ipis: [IPIKey: Int] = [:]
    private(set) var messages: [Int: [(cpu: Int, at: Picoseconds)]] = [:]
    /// The last lines told (narration level 1), newest last.
    public private(set) var recent: [String] = []
    public var names: ObservationNames { collector.names! }
    /// Kinds of the records applied since `step(untilA:)` last looked.
    private var seen = Set<Narration.Kind>()

    struct IPIKey: Hashable { var to: Int; var vector: UInt8; var sentAt: Picoseconds }

    public init(point: RunPoint) throws(ConfigurationError) {
        self.point = point
        sim = try Simulation(point.scenario.config)
        var options = NarrationOptions()
        options.level = 1
        narration = Narration(options: options)
        sim.attach(collector)
        let names = collector.names!
        narration.begin(names)
    }

    /// Runs the engine to `t` (or to the end) and applies what happened until then.
    public func advance(to t: Picoseconds) {
        while result == nil {
            guard let next = sim.nextEventTime() else { finishRun(); break }
            if next > t { break }
            _ = sim.processNextEvent()
        }
        time = result.map { min(t, $0.simTime) } ?? t
        collector.release(before: time + Picoseconds(1)) { record, at in apply(record, at: at); return true }
    }

    /// Processes the next event and shows its time; false once the run is over.
    @discardableResult
    public func stepEvent() -> Bool {
        guard result == nil, let next = sim.nextEventTime() else { finishRun(); return false }
        advance(to: next)
        return true
    }

    /// Processes events until a record of `kind` happens (an IPI, a message, a kernel's
    /// state …) and shows its time; false if the run ends first.
    @discardableResult
    public func step(untilA kind: Narration.Kind) -> Bool {
        seen.removeAll()
        while !seen.contains(kind) {
            guard stepEvent() else { return false }
        }
        return true
    }

    private func finishRun() {
        guard result == nil else { return }
        result = sim.finish()
    }

    private func apply(_ record: Observation, at t: Picoseconds) {
        seen.insert(Narration.classify(record).0)
        switch record {
        case .ipiSent(let from, let to, let vector):
            ipis[IPIKey(to: to, vector: vector, sentAt: t)] = from
        case .ipiDelivered(let cpu, let vector, let sentAt):
            ipis[IPIKey(to: cpu, vector: vector, sentAt: sentAt)] = nil
        case .messageSent(let ring, let cpu, _):
            messages[ring, default: []].append((cpu, t))
        case .messageDelivered(let ring, _, _, _):
            if messages[ring]?.isEmpty == false { messages[ring]!.removeFirst() }
        default: break
        }
        if let line = narration.line(record, at: t) {
            recent.append(line.trimmingCharacters(in: .whitespaces))
            if recent.count > 8 { recent.removeFirst(recent.count - 8) }
        }
    }
}

import Foundation
