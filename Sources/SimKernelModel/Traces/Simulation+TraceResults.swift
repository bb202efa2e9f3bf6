import SimMachine

extension Simulation {
    func traceResults() -> [TraceResult] {
        let threads = traces.threads.elements
        return traces.processes.elements.enumerated().map { r, process in
            let records = threads.reduce(UInt64(0)) { $1.runtime == r ? $0 &+ $1.records : $0 }
            return TraceResult(workload: process.name, records: records, pages: process.space.pages.count, locks: process.lockAt.count,
                               unmodeledSyscalls: process.unmodeledSyscalls, error: process.error?.description)
        }
    }
}
