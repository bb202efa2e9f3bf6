import SimMachine

/// A syscall step with its objects resolved to lines or lock records of one kernel.
struct ResolvedStep {
    enum Kind: UInt8 { case compute, read, write, atomic, lock, unlock, pipeRead, pipeWrite, yield, tlbShootdown, tlbShootdownFreedTables, lockShared, unlockShared, batchGate, listAddNeighbor, listDelNeighbor }
    /// Which instance of the object a step touches: the one there is, the CPU's, the
    /// task's or its address space's (`base` is then a slot of the kernel's `OwnedObjects`).
    enum Instance: UInt8 { case single, cpu, task, process }
    var kind: Kind
    /// Line id (read/write/atomic) or lock record index (lock/unlock); base of a per-CPU
    /// block; for task and process objects, the object's slot in the kernel's owned table;
    /// a batch gate's index in `BatchGates`.
    var base: Int
    var instance: Instance
    /// Work (compute), each target's invalidation (shootdowns); a batch gate: the number
    /// of steps after it that it skips on the passes that do not run them.
    var delay: Picoseconds
    /// A list step's entry (`base`, `instance` are the list head's).
    var entryBase: Int32 = 0
    var entryInstance = Instance.single

    init(kind: Kind, base: Int = 0, instance: Instance = .single, delay: Picoseconds = .zero) {
        self.kind = kind; self.base = base; self.instance = instance; self.delay = delay
    }
}
