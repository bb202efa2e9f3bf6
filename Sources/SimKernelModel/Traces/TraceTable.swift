import SimMachine

/// Traced processes and their threads' streams. Made once the simulation is built (from
/// `BuildState`): in the replay loop, which changes them on every record, their elements
/// change in place without copy-on-write checks.
struct TraceTable {
    var processes = FixedArray<TraceRuntime>([])
    var threads = FixedArray<TraceThreadState>([])
    /// The duration of a run of n cycles, for n < `shortRunCycles` (most of a trace's runs of
    /// instructions): a table read instead of a division per run, the same values.
    var shortRuns = FixedArray<Picoseconds>([])
    static let shortRunCycles = 256

    /// The duration of `cycles` cycles at the machine's clock `frequency`.
    @inline(__always)
    func runDuration(_ cycles: UInt64, _ frequency: Frequency) -> Picoseconds {
        cycles < UInt64(shortRuns.count) ? shortRuns[Int(cycles)] : frequency.duration(cycles: cycles)
    }
}
