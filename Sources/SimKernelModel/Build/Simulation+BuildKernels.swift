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
            for obj in kc.profile.objects {
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
                var steps = [ResolvedStep(kind: .compute, base: 0, perCPU: false, delay: kc.profile.entryExit)]
                for s in path.steps {
                    func obj(_ i: Int, _ kind: ResolvedStep.Kind) -> ResolvedStep {
                        ResolvedStep(kind: kind, base: objectBase[i], perCPU: kc.profile.objects[i].scope == .cpu, delay: .zero)
                    }
                    switch s {
                    case .compute(let d): steps.append(ResolvedStep(kind: .compute, base: 0, perCPU: false, delay: d))
                    case .read(let o): steps.append(obj(o, .read))
                    case .write(let o): steps.append(obj(o, .write))
                    case .atomic(let o): steps.append(obj(o, .atomic))
                    case .lock(let o): steps.append(obj(o, .lock))
                    case .unlock(let o): steps.append(obj(o, .unlock))
                    case .pipeRead: steps.append(ResolvedStep(kind: .pipeRead, base: 0, perCPU: false, delay: .zero))
                    case .pipeWrite: steps.append(ResolvedStep(kind: .pipeWrite, base: 0, perCPU: false, delay: .zero))
                    case .yield: steps.append(ResolvedStep(kind: .yield, base: 0, perCPU: false, delay: .zero))
                    case .tlbShootdown(let invalidate, let freedTables):
                        steps.append(ResolvedStep(kind: freedTables ? .tlbShootdownFreedTables : .tlbShootdown,
                                                  base: 0, perCPU: false, delay: invalidate))
                    }
                }
                resolved.append(steps)
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
            kernels.append(runtime)
        }
    }

    private func machineObject(named name: String, kernelsBefore k: Int) -> Int? {
        for j in 0..<k {
            let p = config.kernels[j].profile
            if let i = p.objectIndex(name), p.objects[i].scope == .machine { return kernels[j].objectBase[i] }
        }
        return nil
    }
}
