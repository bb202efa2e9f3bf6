/// Traced processes and their threads' streams.
struct TraceTable {
    var processes: [TraceRuntime] = []
    var threads: [TraceThreadState] = []
}
