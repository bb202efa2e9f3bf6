import SimKernelModel
import SimMachine

/// Keeps a run's records until their reader (step mode, the display) is at their time:
/// records arrive a little ahead of the engine, never before it.
public final class ObservationCollector: Observer {
    public private(set) var names: ObservationNames?
    private var pending: [(time: Picoseconds, sequence: UInt64, record: Observation)] = []
    private var sequence: UInt64 = 0

    public init() {}

    public func begin(_ names: ObservationNames) {
        self.names = names
        // Each kexec boot's records, at their times (fixed from the start).
        for (k, boot) in names.boots.enumerated() {
            guard let boot else { continue }
            observe(.kernelState(kernel: k, state: .loaded), at: boot.loaded)
            observe(.kernelState(kernel: k, state: .active), at: boot.active)
        }
    }

    public func observe(_ record: Observation, at time: Picoseconds) {
        pending.append((time, sequence, record))
        sequence &+= 1
    }

    /// Hands the records before `horizon` (all, if nil), in time order, while `body` returns
    /// true; the record it refuses, and those after, stay.
    public func release(before horizon: Picoseconds?, _ body: (Observation, Picoseconds) -> Bool) {
        pending.sort { ($0.time, $0.sequence) < ($1.time, $1.sequence) }
        var used = 0
        for p in pending {
            if let horizon, p.time >= horizon { break }
            if !body(p.record, p.time) { break }
            used += 1
        }
        pending.removeFirst(used)
    }
}
