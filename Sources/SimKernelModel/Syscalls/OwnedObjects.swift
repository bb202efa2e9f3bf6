import SimMachine

/// A kernel's objects that exist once per task or once per address space (`ObjectScope.task`,
/// `.process`): made when a task first touches one, so that a run with ten thousand tasks
/// and a profile of a dozen such objects allocates only what its paths use.
struct OwnedObjects {
    /// Profile object index of each slot.
    var objects: [Int] = []
    /// Per slot: the lock statistics entry its records count under (-1: a line).
    var stats: [Int] = []
    /// `key * objects.count + slot`: the line id or lock record (-1: not made yet).
    var made: [Int32] = []
}

extension Simulation {
    /// The line or lock record of owned-object `slot` for `task`: its own (`perTask`) or its
    /// address space's. A workload's threads share one address space per kernel; a task
    /// with a `process` of its own (will-it-scale's processes mode) has its own.
    mutating func ownedObject(task: Int, slot: Int, perTask: Bool) -> Int {
        let k = tasks[task].kernel
        let key = perTask ? task : (tasks[task].process >= 0 ? workloadStats.count + Int(tasks[task].process) : tasks[task].workload)
        let table = perTask ? kernels[k].taskObjects : kernels[k].processObjects
        let i = key * table.objects.count + slot
        let id = table.made[i]
        if _fastPath(id >= 0) { return Int(id) }
        let made = makeOwnedObject(kernel: k, object: table.objects[slot], stat: table.stats[slot],
                                   suffix: perTask ? "[task\(task)]" : "[\(config.workloads[tasks[task].workload].name)\(tasks[task].process >= 0 ? ".\(tasks[task].process)" : "")]")
        if perTask { kernels[k].taskObjects.made[i] = Int32(made) } else { kernels[k].processObjects.made[i] = Int32(made) }
        return made
    }

    private mutating func makeOwnedObject(kernel k: Int, object: Int, stat: Int, suffix: String) -> Int {
        let kc = kernels[k].config
        let obj = kc.profile.objects[object]
        let line = directory.allocate(name: "\(kc.name).\(obj.name)\(suffix)", home: kc.memoryNode)
        guard case .lock(let algorithm) = obj.kind else { return Int(line) }
        let lock = locks.add(line: line, algorithm: algorithm, stat: stat, irqsave: obj.irqsave)
        lockMade(lock)
        return lock
    }

    /// Sizes each kernel's owned tables once the tasks exist (keys: tasks, and address
    /// spaces: one per workload plus one per task that has a process of its own).
    mutating func sizeOwnedObjects(taskCount: Int) {
        for k in kernels.indices {
            let n = kernels[k].taskObjects.objects.count
            if n > 0 { kernels[k].taskObjects.made = Array(repeating: -1, count: n * taskCount) }
            let m = kernels[k].processObjects.objects.count
            if m > 0 { kernels[k].processObjects.made = Array(repeating: -1, count: m * (workloadStats.count + taskCount)) }
        }
    }
}
