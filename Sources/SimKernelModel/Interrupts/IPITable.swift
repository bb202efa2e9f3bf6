/// Inter-processor interrupts as the kernel model sends them: the CPU sets that group sends
/// name, and what was sent and how long it took to reach a handler.
struct IPITable {
    /// CPU sets that group IPIs name (`Operation.sendIPIGroup`).
    var sets: [[Int]] = []
    /// From the send to the target's handler running.
    var latency = RunLengthHistogram()
    /// IPIs addressed to a CPU so far (each target of a group send counts).
    var targeted: UInt64 = 0
}
