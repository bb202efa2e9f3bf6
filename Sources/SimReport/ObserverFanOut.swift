import SimKernelModel
import SimMachine

/// Hands one run's observations to several observers (`--events` and `--timeline` together).
public final class ObserverFanOut: Observer {
    private let observers: [any Observer]
    public init(_ observers: [any Observer]) { self.observers = observers }
    public func begin(_ names: ObservationNames) { for o in observers { o.begin(names) } }
    public func observe(_ record: Observation, at time: Picoseconds) { for o in observers { o.observe(record, at: time) } }
}
