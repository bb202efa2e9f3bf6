import SimCPU
import SimMachine
import SimWorkloads

extension Simulation {
    mutating func buildKernels(_ build: BuildState) throws(ConfigurationError) {
        let n = cpus.count
        for (k, kc) in config.kernels.enumerated() {
            if kc.cpus.isEmpty { throw ConfigurationError("kernel '\(kc.name)' has no CPUs", about: .kernel(kc.name)) }
            // CPUs a move will bring in are in the list (their scheduler slots) but not yet owned.
            for c in kc.cpus where !build.incomingCPUs.contains(k << 20 | c) {
                guard c >= 0 && c < n else { throw ConfigurationError("kernel '\(kc.name)': CPU \(c) does not exist (the machine has \(n))", about: .kernel(kc.name)) }
                if cpus[c].kernel >= 0 {
                    throw ConfigurationError("CPU \(c) is given to both '\(config.kernels[cpus[c].kernel].name)' and '\(kc.name)'", about: .kernel(kc.name))
                }
            }
            for (i, c) in kc.cpus.enumerated() where !build.incomingCPUs.contains(k << 20 | c) {
                cpus[c].kernel = k
                cpus[c].local = i
            }
            // Kernel objects: one line (or lock) per scope instance.
            var objectBase: [Int] = []
            var objectLines: [LineID] = []
            var taskObjects = OwnedObjects(), processObjects = OwnedObjects()
            for (i, obj) in kc.profile.objects.enumerated() {
                if obj.scope == .task || obj.scope == .process {
                    // Made when first touched (OwnedObjects); one statistics entry per lock name.
                    var stat = -1
                    if case .lock(let algorithm) = obj.kind { stat = locks.addStats(kernel: k, name: obj.name, algorithm: algorithm) }
                    if obj.scope == .task {
                        objectBase.append(taskObjects.objects.count)
                        taskObjects.objects.append(i); taskObjects.stats.append(stat)
                    } else {
                        objectBase.append(processObjects.objects.count)
                        processObjects.objects.append(i); processObjects.stats.append(stat)
                    }
                    continue
                }
                let count = obj.scope == .cpu ? kc.cpus.count : 1
                if obj.scope == .machine, let existing = machineObject(named: obj.name, kernelsBefore: k) {
                    objectBase.append(existing); continue
                }
                switch obj.kind {
                case .line:
                    var first = -1
                    for i in 0..<count {
                        let suffix = obj.scope == .cpu ? "[cpu\(kc.cpus[i])]" : ""
                        let owner = obj.scope == .machine ? "machine" : kc.name
                        let id = Int(directory.allocate(name: "\(owner).\(obj.name)\(suffix)", home: kc.memoryNode))
                        if first < 0 { first = id }
                        if obj.scope != .machine { objectLines.append(LineID(id)) }
                    }
                    objectBase.append(first)
                case .lock(let algorithm):
                    let stat = locks.addStats(kernel: obj.scope == .machine ? -1 : k, name: obj.name, algorithm: algorithm)
                    let first = locks.records.count
                    for i in 0..<count {
                        let suffix = obj.scope == .cpu ? "[cpu\(kc.cpus[i])]" : ""
                        let owner = obj.scope == .machine ? "machine" : kc.name
                        let line = directory.allocate(name: "\(owner).\(obj.name)\(suffix)", home: kc.memoryNode)
                        locks.add(line: line, algorithm: algorithm, stat: stat, irqsave: obj.irqsave)
                        if obj.scope != .machine { objectLines.append(line) }
                    }
                    objectBase.append(first)
                }
            }
            // Syscall paths, resolved against those objects; entry/exit cost first.
            var resolved: [[ResolvedStep]] = []
            for path in kc.profile.syscalls {
                var steps = [ResolvedStep(kind: .compute, delay: kc.profile.entryExit)]
                try resolve(path.steps, into: &steps)
                resolved.append(steps)
            }
            func resolve(_ path: [KernelStep], into steps: inout [ResolvedStep]) throws(ConfigurationError) {
                for s in path {
                    func obj(_ i: Int, _ kind: ResolvedStep.Kind) -> ResolvedStep {
                        let instance: ResolvedStep.Instance
                        switch kc.profile.objects[i].scope {
                        case .cpu: instance = .cpu
                        case .task: instance = .task
                        case .process: instance = .process
                        case .instance, .machine: instance = .single
                        }
                        return ResolvedStep(kind: kind, base: objectBase[i], instance: instance)
                    }
                    switch s {
                    case .compute(let d): steps.append(ResolvedStep(kind: .compute, delay: d))
                    case .read(let o): steps.append(obj(o, .read))
                    case .write(let o): steps.append(obj(o, .write))
                    case .atomic(let o): steps.append(obj(o, .atomic))
                    case .lock(let o): steps.append(obj(o, .lock))
                    case .unlock(let o): steps.append(obj(o, .unlock))
                    case .lockShared(let o): steps.append(obj(o, .lockShared))
                    case .unlockShared(let o): steps.append(obj(o, .unlockShared))
                    case .pipeRead: steps.append(ResolvedStep(kind: .pipeRead))
                    case .pipeWrite: steps.append(ResolvedStep(kind: .pipeWrite))
                    case .yield: steps.append(ResolvedStep(kind: .yield))
                    case .tlbShootdown(let invalidate, let freedTables):
                        steps.append(ResolvedStep(kind: freedTables ? .tlbShootdownFreedTables : .tlbShootdown, delay: invalidate))
                    case .perCPUBatch(let every, let inner):
                        var gated: [ResolvedStep] = []
                        try resolve(inner, into: &gated)
                        let gate = batches.add(every: every)
                        steps.append(ResolvedStep(kind: .batchGate, base: gate, delay: Picoseconds(UInt64(gated.count))))
                        steps += gated
                    case .repeated(let times, let inner):
                        for _ in 0..<times { try resolve(inner, into: &steps) }
                    case .listAdd(let list, let entry), .listDel(let list, let entry):
                        // The head, then the neighbour (found when it runs), then the entry.
                        let add: Bool = { if case .listAdd = s { return true } else { return false } }()
                        steps.append(obj(list, .write))
                        var neighbour = obj(list, add ? .listAddNeighbor : .listDelNeighbor)
                        let e = obj(entry, .write)
                        neighbour.entryBase = Int32(e.base); neighbour.entryInstance = e.instance
                        steps.append(neighbour)
                        steps.append(e)
                    }
                    guard steps.count <= Self.maxPathSteps else {
                        throw ConfigurationError("kernel '\(kc.name)': a path of profile '\(kc.profile.name)' unrolls to more than \(Self.maxPathSteps) steps (its repeats)", about: .kernel(kc.name))
                    }
                }
            }
            // The scheduler is made once the tasks (and their weights) exist.
            var runtime = KernelRuntime(config: kc, scheduler: Scheduler.parked, syscalls: resolved)
            runtime.objectLines = objectLines
            runtime.pipeRead = kc.profile.syscallIndex("pipe_read") ?? -1
            runtime.pipeWrite = kc.profile.syscallIndex("pipe_write") ?? -1
            (runtime.life.loadedAt, runtime.life.activeAt, runtime.life.cpuUpAt) = Self.bootTimeline(kc, machine: config.machine)
            if let again = Self.respawnTimeline(kc, machine: config.machine) {
                runtime.life.respawnAt = again.at
                runtime.life.respawnTimeline = again.timeline
            }
            runtime.objectBase = objectBase
            runtime.taskObjects = taskObjects
            runtime.processObjects = processObjects
            kernels.append(runtime)
        }
    }

    /// Steps a kernel path may unroll to (repeats included).
    static let maxPathSteps = 1 << 20

    private func machineObject(named name: String, kernelsBefore k: Int) -> Int? {
        for j in 0..<k {
            let p = config.kernels[j].profile
            if let i = p.objectIndex(name), p.objects[i].scope == .machine { return kernels[j].objectBase[i] }
        }
        return nil
    }
}
