import SimMachine

/// Traced processes and their threads' streams. Made once the simulation is built (from
/// `BuildState`): in the replay loop, which changes them on every record, their elements
/// change in place without copy-on-write checks.
struct TraceTable {
    var processes = FixedArray<TraceRuntime>([])
    var threads = FixedArray<TraceThreadState>([])
}
