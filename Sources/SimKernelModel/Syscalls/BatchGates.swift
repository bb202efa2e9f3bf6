/// Per-CPU batching in kernel paths (`KernelStep.perCPUBatch`): each gate's period, and each
/// CPU's passes through it since it last ran its steps.
struct BatchGates {
    var every: [UInt32] = []
    /// `gate * cpuCount + cpu`.
    var passes: [UInt32] = []
    var cpuCount = 0

    /// A new gate running its steps every `every`-th pass; returns its index.
    mutating func add(every: Int) -> Int {
        self.every.append(UInt32(clamping: every))
        passes.append(contentsOf: repeatElement(0, count: cpuCount))
        return self.every.count - 1
    }

    /// CPU `c` passes gate `g`: true when this pass runs the gated steps.
    mutating func pass(gate g: Int, cpu c: Int) -> Bool {
        let i = g * cpuCount + c
        passes[i] &+= 1
        guard passes[i] >= every[g] else { return false }
        passes[i] = 0
        return true
    }
}
