/// What only the build step needs: the tasks as they are made (frozen into the
/// simulation's table at the end) and the moves' plans. The running simulation never sees it.
struct BuildState {
    var tasks: [TaskState] = []
    /// Traced processes and their threads, until the build ends (`TraceTable`).
    var traceProcesses: [TraceRuntime] = []
    var traceThreads: [TraceThreadState] = []
    /// `kernel << 20 | cpu` for CPUs a kernel lists because a move brings them in.
    var incomingCPUs: Set<Int>
    /// Memory moves: the workload that offlines each one's blocks (workload → move).
    var offlinerWorkloads: [Int: Int]
}
