import SimMachine

/// Which instances of a kernel object exist.
public enum ObjectScope: String, Sendable, CaseIterable {
    /// One per CPU of the kernel instance (per-CPU data: run queues, per-CPU counters).
    case cpu
    /// One per kernel instance: shared by all its CPUs. In the SMP baseline that is every CPU.
    case instance
    /// One for the whole machine, shared even between peer kernels.
    case machine
    /// One per task: what a task makes for itself (its own file's dentry and inode).
    case task
    /// One per address space (a process: its `mm`, its file table). A workload's threads
    /// share one per kernel; a `will-it-scale` workload in `processes` mode has one per task.
    case process
}

/// Spinlock algorithms, each built from atomic operations on simulated lines.
public enum LockAlgorithm: String, Sendable, CaseIterable {
    /// Ticket lock: take a ticket with fetch-and-add, spin until served. Every waiter
    /// re-reads the lock line after each release, so hand-offs slow down with waiters.
    case ticket
    /// MCS queue lock (the queue of Linux's qspinlock): waiters spin on their own per-CPU node.
    case mcs
    /// Sleeping mutex (Linux's `struct mutex`): CAS the owner in; while the owner runs,
    /// spin on the lock word; otherwise join a wait list and sleep. Release hands the lock
    /// to the first waiter and wakes it through the scheduler.
    case mutex
    /// Linux's queued spinlock: a locked byte, a pending bit for the first waiter (who spins
    /// on the lock word), and an MCS queue (per-CPU nodes) behind it for the rest.
    case qspinlock
    /// Reader-writer spinlock (Linux's `rwlock_t`, reader-preferring): readers count
    /// themselves in with an atomic add and back out while a writer holds it; a writer
    /// takes the word from zero with a CAS and waits until it is zero.
    case rwlock
    /// Test-and-test-and-set spinlock: spin reading the word until it is free, then take it
    /// with an exchange; every release sets all waiters racing (no fairness, no queue).
    case ttas
    /// Sleeping reader-writer semaphore (Linux's `struct rw_semaphore`, kernel/locking/rwsem.c):
    /// a count word with the writer's owner, the reader count and the WAITERS and HANDOFF
    /// flags; writers spin on a running owner through the osq, then sleep; a release wakes
    /// the first waiter, or grants the lock to the waiting readers in a batch.
    case rwsem
}

public enum KernelObjectKind: Sendable, Hashable {
    /// A cache line of kernel data.
    case line
    case lock(LockAlgorithm)
}

/// A named piece of kernel state that kernel paths touch.
public struct KernelObject: Sendable, Hashable {
    public var name: String
    public var kind: KernelObjectKind
    public var scope: ObjectScope
    /// A lock taken with interrupts disabled (spin_lock_irqsave).
    public var irqsave: Bool
    public init(name: String, kind: KernelObjectKind, scope: ObjectScope, irqsave: Bool = false) {
        self.name = name; self.kind = kind; self.scope = scope; self.irqsave = irqsave
    }
}

/// One step of a kernel path.
public enum KernelStep: Sendable, Hashable {
    case compute(Picoseconds)
    case read(object: Int)
    case write(object: Int)
    /// A locked read-modify-write (an atomic counter).
    case atomic(object: Int)
    case lock(object: Int)
    case unlock(object: Int)
    /// Take a reader-writer lock (rwsem, rwlock) shared, as a reader (down_read).
    case lockShared(object: Int)
    case unlockShared(object: Int)
    /// Take one message from the pipe the syscall names, sleeping while it is empty.
    case pipeRead
    /// Put one message into the pipe the syscall names, waking a sleeping reader.
    case pipeWrite
    /// Give up the CPU at the syscall's return (sched_yield): the task goes to the back of
    /// the run queue (of its priority, for a real-time task) and the scheduler picks again.
    case yield
    /// Shoot down the address space's TLB entries on the other CPUs now running its threads
    /// (Linux's flush_tlb_mm_range → smp_call_function_many): queue a request for each, send
    /// each an IPI, and wait until every one has invalidated (`invalidate` in its interrupt
    /// handler) and acknowledged.
    ///
    /// CPUs in lazy TLB mode (idle since they last ran one of its threads, the address space
    /// still loaded) are skipped, as x86 Linux does since 4.19 (`should_flush_tlb`): each
    /// flushes its whole TLB when it next switches to the address space. When the path
    /// `freedTables` (page-table pages were freed, as a large munmap does), they are
    /// interrupted too, since a lazy CPU could still walk the freed tables speculatively.
    case tlbShootdown(invalidate: Picoseconds, freedTables: Bool = false)
    /// Per-CPU batching (the page allocator's per-CPU lists, LRU folio batches, percpu
    /// counters' batch, memcg charge stock): `steps` run on every `every`-th pass of this
    /// step on a CPU, the other passes skip them. Each CPU counts its own passes.
    case perCPUBatch(every: Int, steps: [KernelStep])
    /// `steps` `times` over (a loop in the kernel: pages freed in batches).
    case repeated(times: Int, steps: [KernelStep])
    /// Link `entry` (a line, usually a task's own object) into the list headed by `list` (a
    /// line), or unlink it: a doubly linked list's insert or delete writes the head, the
    /// entry, and its neighbour, which is another task's entry, last written on that task's
    /// CPU. The model takes the neighbour to be the entry linked last by someone else.
    case listAdd(list: Int, entry: Int)
    case listDel(list: Int, entry: Int)
}

/// A syscall as data: the steps its kernel path takes.
public struct SyscallPath: Sendable, Hashable {
    public var name: String
    public var steps: [KernelStep]
    public init(name: String, steps: [KernelStep]) { self.name = name; self.steps = steps }
}

/// A kernel's cost model: objects, syscall paths, entry and switch costs.
public struct SyscallProfile: Sendable, Hashable {
    public var name: String
    /// Kernel entry + exit (a null syscall).
    public var entryExit: Picoseconds
    /// Saving one task and restoring another on a CPU.
    public var contextSwitch: Picoseconds
    /// Variation of every compute step: each takes its length times a uniform factor in
    /// [1 - jitter, 1 + jitter], drawn from the task's seeded stream. Real kernel paths vary
    /// (misses, branch mispredictions, interrupts); without it identical threads fall into
    /// lock-step convoys that real machines do not show.
    public var jitter: Double
    public var objects: [KernelObject]
    public var syscalls: [SyscallPath]
    public var sources: [(String, String)]

    public init(name: String, entryExit: Picoseconds, contextSwitch: Picoseconds, jitter: Double = 0, objects: [KernelObject],
                syscalls: [SyscallPath], sources: [(String, String)] = []) {
        self.name = name; self.entryExit = entryExit; self.contextSwitch = contextSwitch; self.jitter = jitter
        self.objects = objects; self.syscalls = syscalls; self.sources = sources
    }

    public func syscallIndex(_ name: String) -> Int? { syscalls.firstIndex { $0.name == name } }
    public func objectIndex(_ name: String) -> Int? { objects.firstIndex { $0.name == name } }

    public static func == (a: Self, b: Self) -> Bool {
        a.name == b.name && a.entryExit == b.entryExit && a.contextSwitch == b.contextSwitch && a.jitter == b.jitter
            && a.objects == b.objects && a.syscalls == b.syscalls
    }
    public func hash(into h: inout Hasher) { h.combine(name) }
}
