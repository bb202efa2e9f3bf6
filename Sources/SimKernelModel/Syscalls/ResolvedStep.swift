import SimMachine

/// A syscall step with its objects resolved to lines or lock records of one kernel.
struct ResolvedStep {
    enum Kind: UInt8 { case compute, read, write, atomic, lock, unlock, pipeRead, pipeWrite, yield, tlbShootdown, tlbShootdownFreedTables }
    var kind: Kind
    /// Line id (read/write/atomic) or lock record index (lock/unlock); base of a per-CPU block.
    var base: Int
    var perCPU: Bool
    var delay: Picoseconds
}
