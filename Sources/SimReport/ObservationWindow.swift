import SimKernelModel
import SimMachine

/// Puts a run's observations back into simulated-time order with bounded memory.
///
/// Records reach an observer nearly in time order: a CPU running ahead through pure work
/// (at most `Simulation.maxRunAhead` and one operation) reports a little early, and boot
/// records are known from the start. The window keeps the records of the last `horizon`
/// and hands out the older ones sorted (by time, then arrival).
struct ObservationWindow {
    private var pending: [(time: Picoseconds, sequence: UInt64, record: Observation)] = []
    private var sequence: UInt64 = 0
    private var latest = Picoseconds.zero
    static let horizon = Picoseconds(us: 1_000)
    static let flushAt = 1 << 16

    /// Adds a record; true when enough wait that the caller should `drain`.
    mutating func add(_ record: Observation, at time: Picoseconds, movesTime: Bool = true) -> Bool {
        pending.append((time, sequence, record))
        sequence &+= 1
        if movesTime && time > latest { latest = time }
        return pending.count >= Self.flushAt
    }

    /// The records of each kexec boot at their times (known from the start: they wait in
    /// the window like any record, without moving it forward).
    mutating func addBoots(_ names: ObservationNames) {
        for (k, boot) in names.boots.enumerated() {
            guard let boot else { continue }
            _ = add(.kernelState(kernel: k, state: .loaded), at: boot.loaded, movesTime: false)
            _ = add(.kernelState(kernel: k, state: .active), at: boot.active, movesTime: false)
        }
    }

    /// A new run's records start at time zero again.
    mutating func restart() { latest = .zero }

    /// Hands the records older than the horizon (or all) to `body`, in order.
    mutating func drain(all: Bool, _ body: (Observation, Picoseconds) -> Void) {
        pending.sort { ($0.time, $0.sequence) < ($1.time, $1.sequence) }
        let cut = all ? pending.count : (pending.firstIndex { $0.time.raw &+ Self.horizon.raw > latest.raw } ?? pending.count)
        for p in pending[..<cut] { body(p.record, p.time) }
        pending.removeFirst(cut)
    }
}
