import SimMachine

enum CPUMode: UInt8 {
    /// Nothing to run, no event pending.
    case idle
    /// A `cpuStep` event is pending.
    case scheduled
    /// Spinning on a line; woken by a write to it or an interrupt.
    case spinning
}

struct CPUState {
    var kernel: Int = -1
    var local: Int = -1
    var mode = CPUMode.idle
    /// When an idle CPU became free on its own clock (it can run ahead of the engine).
    var freeAt = Picoseconds.zero
    var generation: UInt64 = 0
    var task = -1
    var lastTask = -1
    var irqEnabled = true
    /// irqsave locks held: interrupts stay off until the last is released.
    var irqOffDepth: UInt8 = 0
    /// When its pending step is due (its own clock, ahead of the engine through pure work),
    /// and pure work an interrupt cut short, to be done once the handler returns.
    var resumeAt = Picoseconds.zero
    var deferred = Picoseconds.zero
    /// Hot-plug: offline CPUs take no tasks; one going offline waits for its running task
    /// to reach a preemption point.
    var online = true
    /// Its kernel panicked: the CPU executes nothing more (interrupts stay pending).
    var halted = false
    var goingOffline = false
    var handler = CPUHandler()
    var roles = CPURoles()
    var sched = CPUScheduling()
    var accounting = CPUAccounting()
}

/// The interrupt handler a CPU is in: its vector, its phase and scratch word (the
/// handler's machine gives them meaning), messages drained so far, when the last one returned.
struct CPUHandler {
    /// When its last interrupt handler returned, on its own clock (possibly ahead of the engine).
    var handlerEndedAt = Picoseconds.zero
    var inHandler = false
    var vector: UInt8 = 0
    var handlerPhase: UInt8 = 0
    var handlerCount = 0
    var handlerScratch: UInt64 = 0
}

/// What benchmark workloads and locks set up on a CPU: the IPI ring's next hop and
/// handling time, the IPI broadcast's acknowledgement line, its MCS queue nodes (4 per CPU,
/// nesting levels, as Linux's qspinlock has).
struct CPURoles {
    var ringNext: Int32 = -1
    var ringHandling = Picoseconds.zero
    var ringWorkload = -1
    var broadcastAck: LineID = -1
    var broadcastHandling = Picoseconds.zero
    var mcsNodeBase: LineID = -1
    var mcsDepth = 0
}

/// A CPU's run queue as the simulation sees it: tasks queued, those the balancer may move,
/// when it balances next, a pending reschedule and its tick.
struct CPUScheduling {
    var needResched = false
    var tickArmed = false
    /// Queued (not running) tasks that are not pinned: what the load balancer may move.
    var movableWaiting = 0
    var nextBalance = Picoseconds.zero
    var runnable = 0
}

/// What a CPU did: busy time, switches, preemptions, handler runs.
struct CPUAccounting {
    var busySince = Picoseconds.zero
    var busyPs: UInt64 = 0
    var contextSwitches: UInt64 = 0
    var preemptions: UInt64 = 0
    var voluntarySwitches: UInt64 = 0
    var handlerRuns: UInt64 = 0
}
