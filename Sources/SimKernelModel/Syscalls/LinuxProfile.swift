import SimMachine

extension SyscallProfile {
    /// Built-in profiles by name.
    public static let builtins: [SyscallProfile] = [.linux]

    public static func builtin(_ name: String) -> SyscallProfile? { builtins.first { $0.name == name } }

    /// A Linux-like kernel. Totals are calibrated to the multikernel Linux project's
    /// lmbench runs on a 2-socket Xeon Gold 5418Y (null syscall 70 ns, context switch
    /// 1.37 us, one task calling unlink: ~467,000 calls/s, i.e. ~2.14 us a call). How
    /// each path splits between private work and shared objects is this model's
    /// estimate (docs/kernel-model.md): the short sections under the parent directory's
    /// lock and the superblock's inode-list lock are what a shared kernel serializes.
    public static let linux: SyscallProfile = {
        let objects: [KernelObject] = [
            KernelObject(name: "dir_i_rwsem", kind: .lock(.mcs), scope: .instance),
            KernelObject(name: "dir_inode", kind: .line, scope: .instance),
            KernelObject(name: "dentry_hash", kind: .line, scope: .instance),
            KernelObject(name: "sb_inode_list_lock", kind: .lock(.mcs), scope: .instance),
            KernelObject(name: "sb_inodes", kind: .line, scope: .instance),
            KernelObject(name: "nr_inodes", kind: .line, scope: .cpu),
            KernelObject(name: "inode_lru", kind: .line, scope: .cpu),
            KernelObject(name: "files_struct", kind: .line, scope: .cpu),
            KernelObject(name: "task_struct", kind: .line, scope: .cpu),
            KernelObject(name: "futex_hash_bucket", kind: .lock(.qspinlock), scope: .instance),
            KernelObject(name: "mmap_lock", kind: .lock(.mutex), scope: .instance),
            KernelObject(name: "vma_tree", kind: .line, scope: .instance),
            KernelObject(name: "page_table", kind: .line, scope: .instance),
        ]
        func o(_ n: String) -> Int { objects.firstIndex { $0.name == n }! }
        func ns(_ x: Double) -> KernelStep { .compute(Picoseconds(nanoseconds: x)) }
        let syscalls: [SyscallPath] = [
            SyscallPath(name: "null", steps: []),
            SyscallPath(name: "getpid", steps: [ns(5), .read(object: o("task_struct"))]),
            SyscallPath(name: "unlink", steps: [
                ns(500),                                   // getname, path walk under RCU
                .lock(object: o("dir_i_rwsem")),
                ns(15), .read(object: o("dentry_hash")), .write(object: o("dir_inode")),
                .unlock(object: o("dir_i_rwsem")),
                ns(300),                                   // d_delete, iput
                .lock(object: o("sb_inode_list_lock")),
                ns(10), .write(object: o("sb_inodes")),
                .unlock(object: o("sb_inode_list_lock")),
                .atomic(object: o("nr_inodes")), .write(object: o("inode_lru")),
                ns(1_220),                                 // evict, free pages, RCU callbacks
            ]),
            SyscallPath(name: "open", steps: [
                ns(700), .lock(object: o("dir_i_rwsem")), ns(15), .read(object: o("dentry_hash")),
                .unlock(object: o("dir_i_rwsem")), .write(object: o("files_struct")), ns(400),
            ]),
            SyscallPath(name: "close", steps: [ns(150), .write(object: o("files_struct")), ns(100)]),
            // lmbench's pipe round trip (3.24 us) is two one-way passes, each a write, a read
            // and a context switch (1.37 us) on one CPU, with two syscall entries (70 ns each):
            // 1.62 - 1.37 - 0.14 = 0.11 us for both paths' own work. Split: the writer's
            // copy and wake-up, the reader's copy (see docs/kernel-model.md, Pipes).
            SyscallPath(name: "pipe_write", steps: [ns(30), .pipeWrite, ns(30)]),
            SyscallPath(name: "pipe_read", steps: [ns(20), .pipeRead, ns(25)]),
            // Assumed lengths (no figure in the calibration set): the shared objects are the point.
            SyscallPath(name: "futex", steps: [
                ns(30), .lock(object: o("futex_hash_bucket")), ns(20), .unlock(object: o("futex_hash_bucket")), ns(20),
            ]),
            SyscallPath(name: "sched_yield", steps: [ns(40), .yield]),
            SyscallPath(name: "mmap", steps: [
                ns(150), .lock(object: o("mmap_lock")), ns(200), .write(object: o("vma_tree")), .unlock(object: o("mmap_lock")), ns(100),
            ]),
            SyscallPath(name: "munmap", steps: [
                ns(100), .lock(object: o("mmap_lock")), ns(150), .write(object: o("vma_tree")), .write(object: o("page_table")),
                ns(400),                                   // zap page tables, free pages, local TLB flush
                // The other CPUs running the process, and lazy ones: the range is taken to span
                // whole page-table pages, which munmap frees (as large unmaps do).
                .tlbShootdown(invalidate: Picoseconds(ns: 200), freedTables: true),
                .unlock(object: o("mmap_lock")), ns(100),
            ]),
            // Taking rights away (PROT_READ from read-write): change_protection rewrites the
            // PTEs, then the same shootdown; no pages are freed.
            SyscallPath(name: "mprotect", steps: [
                ns(100), .lock(object: o("mmap_lock")), ns(150), .write(object: o("vma_tree")), .write(object: o("page_table")),
                ns(200),                                   // change_protection over the range, local flush
                .tlbShootdown(invalidate: Picoseconds(ns: 200)),
                .unlock(object: o("mmap_lock")), ns(50),
            ]),
        ]
        return SyscallProfile(
            name: "linux", entryExit: Picoseconds(ns: 70), contextSwitch: Picoseconds(nanoseconds: 1_370), jitter: 0.2,
            objects: objects, syscalls: syscalls,
            sources: [
                ("entry_exit", "lmbench null syscall 70 ns, spawned instance on 2 x Xeon Gold 5418Y (multikernel Linux project)"),
                ("context_switch", "lmbench context switch 1.37 us, same source"),
                ("unlink total", "~467,000 unlink calls/s for one task (same source): 2.14 us per call"),
                ("pipe_read + pipe_write", "lmbench pipe round trip 3.24 us (same source) = 2 x (write + read + one context switch), less two entries: 110 ns for both paths"),
                ("split of unlink between locks and private work", "model estimate; see docs/kernel-model.md"),
                ("jitter 20%", "model assumption: spread of kernel path lengths; see docs/kernel-model.md"),
                ("futex, sched_yield, mmap, munmap, mprotect", "model assumption: path lengths of the order of the other paths (no figure in the calibration set); what they share is the point: one futex hash bucket lock and one mmap_lock (a sleeping lock, as mmap_lock is a rw_semaphore) per instance; munmap and mprotect flush the other CPUs running the process by IPI inside the path (each invalidates in 200 ns, an assumption as for the shootdown workloads), lazy-TLB CPUs skipped (x86 Linux since 4.19); see docs/kernel-model.md"),
            ])
    }()
}
