import SimMachine

extension Simulation {
    /// Sends this run's observations to `observer` from now on: it first gets the names of
    /// the run's ids (with each kernel's boot timeline), then every record as the mechanisms
    /// make it.
    public mutating func attach(_ observer: any Observer) {
        self.observer = observer
        observer.begin(observationNames)
    }

    /// The names behind the ids of this run's records.
    public var observationNames: ObservationNames {
        ObservationNames(
            kernels: kernels.map(\.config.name),
            cpuKernels: (0..<cpus.count).map { cpus[$0].kernel },
            tasks: tasks.indices.map { (workload: config.workloads[tasks[$0].workload].name, kernel: tasks[$0].kernel) },
            locks: locks.records.indices.map(lockName),
            syscalls: kernels.map { $0.config.profile.syscalls.map(\.name) },
            rings: channels.rings.map { (channel: config.channels[$0.channel].name, from: $0.from, to: $0.to) },
            devices: devices.map(\.config.name),
            boots: kernels.map { $0.life.loadedAt > .zero || $0.life.activeAt > .zero ? (loaded: $0.life.loadedAt, active: $0.life.activeAt) : nil })
    }

    /// Reports `record` at `time` to the observer, if there is one. Off (the default) this is
    /// one predictable branch: the record is not even built.
    @inline(__always)
    func observe(_ record: @autoclosure () -> Observation, at time: Picoseconds) {
        if _slowPath(observer != nil) { observer.unsafelyUnwrapped.observe(record(), at: time) }
    }

    /// Reports `record` to the observer, which the caller has checked exists.
    @inline(never)
    mutating func emit(_ record: Observation, at time: Picoseconds) {
        observer.unsafelyUnwrapped.observe(record, at: time)
    }

    /// Lock record `l`'s name, kernel-qualified as results name locks.
    func lockName(_ l: Int) -> String {
        let s = locks.stats[locks.records[l].stat]
        return (s.kernel >= 0 ? config.kernels[s.kernel].name + "." : "") + s.name
    }

    /// Tells the observer the name of a lock record made during the run.
    func lockMade(_ l: Int) {
        observe(.lockNamed(lock: l, name: lockName(l)), at: now)
    }
}
