extension Simulation {
    /// Per-task rates of a will-it-scale workload over the workload's elapsed time (nil for
    /// other workloads).
    func willItScaleReport(workload w: Int, tasks mine: [Int], elapsedNs: Double) -> WillItScaleReport? {
        guard case .willItScale(let testcase, let mode) = config.workloads[w].generator, elapsedNs > 0, !mine.isEmpty else { return nil }
        let rates = mine.map { Double(tasks[$0].ops) / (elapsedNs * 1e-9) }
        return WillItScaleReport(testcase: testcase.name, mode: mode.rawValue, perTaskMin: rates.min()!,
                                 perTaskMean: rates.reduce(0, +) / Double(rates.count), perTaskMax: rates.max()!)
    }
}
