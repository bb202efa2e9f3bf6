import Foundation
import SimKernelModel
import SimReport
import SimScenario
import Testing

/// scenarios/multikernel/migration.yaml: Popcorn-style task migration between instances.
@Suite struct MigrationTests {
    @Test func tasksMoveAcrossInstancesAndTheirWorkFollows() throws {
        let results = try Repo.resultsByVariant("scenarios/multikernel/migration.yaml")
        let moved = results["migrate"]!
        let walk = moved.workloads.first { $0.name == "walk" }!
        // Every task crossed once, counted by the workload, the receiving kernel and each task.
        #expect(walk.migrations[MigrationKind.crossKernel.rawValue] == 4)
        #expect(moved.kernels.first { $0.name == "spawn" }!.migrations[MigrationKind.crossKernel.rawValue] == 4)
        #expect(moved.tasks.allSatisfy { $0.migrations[MigrationKind.crossKernel.rawValue] == 1 && $0.kernel == "spawn" })
        // Operations are counted where they were done, and none is lost on the way.
        #expect(moved.kernels.reduce(0) { $0 + $1.ops } == walk.ops)
        #expect(moved.kernels.allSatisfy { $0.ops > 0 })
        // Transit: request and acknowledgement (IPI + cross-socket hand-off each) and 16 KiB
        // over the socket link: 2 × (571 + 1400 + ~100) ns + 16384 B / 51 GB/s ≈ 4.5 us.
        #expect(walk.crossKernelTransferMeanNs > 4000 && walk.crossKernelTransferMeanNs < 5000, "\(walk.crossKernelTransferMeanNs)")
        // The working set stays where it was: it is fetched across the link afterwards.
        let remote = moved.transfers[.remote]
        #expect(remote >= 1000 && results["stay"]!.transfers[.remote] == 0)
    }
}
