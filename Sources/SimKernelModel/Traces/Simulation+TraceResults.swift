import SimMachine

extension Simulation {
    func traceResults() -> [TraceResult] {
        traces.processes.elements.map {
            TraceResult(workload: $0.name, records: $0.records, pages: $0.space.pages.count, locks: $0.lockAt.count,
                        unmodeledSyscalls: $0.unmodeledSyscalls, error: $0.error?.description)
        }
    }
}
