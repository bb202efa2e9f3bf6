/// What runs when a vector is taken (`IPITable.handlers`).
enum InterruptHandler: UInt8 {
    /// Enter and leave (a flood's vector, an NMI, a vector nothing uses).
    case none
    /// The IPI ring's forwarding: handle, then send to the next CPU.
    case ipiRing
    /// The IPI broadcast's acknowledgement on a shared line.
    case broadcast
    /// A channel ring's drain (the vector is the ring's).
    case channel
    /// The TLB shootdown requests queued for this CPU.
    case tlbShootdown
    /// A device's interrupt.
    case device
}

/// Inter-processor interrupts as the kernel model sends them: the CPU sets that group sends
/// name, and what was sent and how long it took to reach a handler; the handler of each
/// vector, built once.
struct IPITable {
    /// By vector (256 entries): set by the build step as it gives out vectors.
    var handlers = [InterruptHandler](repeating: .none, count: 256)
    /// CPU sets that group IPIs name (`Operation.sendIPIGroup`).
    var sets: [[Int]] = []
    /// From the send to the target's handler running.
    var latency = RunLengthHistogram()
    /// IPIs addressed to a CPU so far (each target of a group send counts).
    var targeted: UInt64 = 0
}
