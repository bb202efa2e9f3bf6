import SimCPU
import SimMachine
import SimWorkloads

/// The build step: from a configuration to a simulation ready to run. It is the only place
/// that validates (and throws); the running simulation holds none of its scratch state
/// (`BuildState`). Each mechanism's part is in its own file: kernels and their objects,
/// channels, workloads and their tasks, and the schedules of hot-plug, lifecycle, moves,
/// devices and migrations (in their rooms).
extension Simulation {
    public init(_ config: SimulationConfig) throws(ConfigurationError) {
        // Before anything is allocated: a model too big for the host is refused at once.
        try ModelFootprint(config).check(limit: config.memoryLimit, config: config)
        var config = config
        let (incoming, offliners) = try Self.prepareMoves(&config)
        var build = BuildState(incomingCPUs: incoming, offlinerWorkloads: offliners)
        try Self.prepareHeartbeats(&config)
        Self.prepareShutdowns(&config)
        Self.preparePageServers(&config)
        self.config = config
        let m = config.machine
        let topo = m.topology
        let table = LatencyTable.forMachine(named: m.name)
        timing = CoreTiming(frequency: m.frequency, table: table)
        computeChunk = max(1, UInt64(m.frequency.cycles(in: Self.maxRunAhead)))
        horizon = config.duration ?? .max
        directory = CoherenceDirectory(topology: topo, spec: m.coherence, memory: m.memory,
                                       hitLatency: m.hitLatency, frequency: m.frequency, caches: m.caches)
        apic = LocalAPICs(spec: m.apic, topology: topo)
        storeBuffers = StoreBuffers(cpus: topo.cpuCount, capacity: m.storeBufferEntries, forwardLatency: m.hitLatency,
                                    storeCost: m.frequency.duration(cycles: 1))
        cpus = FixedArray(repeating: CPUState(), count: topo.cpuCount)
        tlb = TLBTable(cpuCount: topo.cpuCount)
        batches.cpuCount = topo.cpuCount
        try buildKernels(build)
        try applyCachePartitions()
        try buildChannels()
        // Vectors with a handler; channels and devices add theirs as they are built.
        ipis.handlers[Int(Vectors.ring)] = .ipiRing
        ipis.handlers[Int(Vectors.broadcast)] = .broadcast
        ipis.handlers[Int(Vectors.tlbShootdown)] = .tlbShootdown
        try buildWorkloads(&build)
        movableTasks = build.tasks.map { $0.pinnedLocal == nil }
        for k in kernels.indices {
            guard let s = makeScheduler(kernel: k, tasks: build.tasks) else {
                let kc = kernels[k].config
                throw ConfigurationError("kernel '\(kc.name)': no scheduling policy named '\(kc.scheduler.policy)'; known: \(SchedulerRegistry.names.joined(separator: ", "))", about: .kernel(kc.name))
            }
            kernels[k].scheduler = s
        }
        guard memory.regions.isEmpty || build.tasks.count < 1 << 24 else {
            throw ConfigurationError("shared pages name their sender in 24 bits: at most 16,777,215 tasks")
        }
        tasks = FixedArray(build.tasks)
        traces = TraceTable(processes: FixedArray(build.traceProcesses), threads: FixedArray(build.traceThreads),
                            shortRuns: FixedArray(build.traceThreads.isEmpty ? [] : (0..<TraceTable.shortRunCycles).map { m.frequency.duration(cycles: UInt64($0)) }))
        sizeOwnedObjects(taskCount: tasks.count)
        try scheduleHotplug()
        scheduleLifecycle()
        scheduleMoves(offliners: build.offlinerWorkloads)
        try scheduleDevices()
        try scheduleMigrations()
    }

}
