import Foundation
import SimKernelModel
import SimReport
import SimScenario
import Testing

/// will-it-scale testcases as workloads: each iteration is the syscalls its tests/*.c makes,
/// and processes and threads differ in what the tasks share.
@Suite struct WillItScaleTests {
    static func run(_ testcase: String, mode: String = "processes", threads: Int, iterations: Int) throws -> SimulationResult {
        let text = """
        mksim: 1
        name: wis
        machine: {preset: xeon-gold-5418y-2s}
        kernels: [{name: k, cpus: "0-23", memory: {size: 32GiB, node: 0}}]
        workloads:
          - {name: w, on: k, threads: \(threads), generate: {kind: will-it-scale, testcase: \(testcase), mode: \(mode), iterations: \(iterations)}}
        """
        let point = try #require(try ScenarioFile.parse(text, path: "wis.yaml").points().first)
        return try Runner.run(point).result
    }

    static func lock(_ r: SimulationResult, _ name: String) -> LockResult { r.kernels[0].locks.first { $0.name == name }! }

    @Test func anUnlink1IterationIsOpenCloseUnlinkInOneSharedDirectory() throws {
        let r = try Self.run("unlink1", threads: 4, iterations: 200)
        #expect(r.workloads[0].ops == 800)
        // Both open(O_CREAT) and unlink take /tmp's i_rwsem for writing; the file's own once.
        #expect(Self.lock(r, "tmp_dir_i_rwsem").acquisitions == 1600)
        #expect(Self.lock(r, "file_i_rwsem").acquisitions == 800)
        #expect(Self.lock(r, "tmp_dir_i_rwsem").contended > 0)
        // Inode creation and eviction both take the superblock's list lock and tmpfs's stat_lock.
        #expect(Self.lock(r, "sb_inode_list_lock").acquisitions == 1600)
        #expect(Self.lock(r, "shmem_stat_lock").acquisitions == 1600)
        // Each task made its own file objects once, not one per iteration.
        #expect(r.workloads[0].willItScale?.testcase == "unlink1")
        let perTask = try #require(r.workloads[0].willItScale)
        #expect(perTask.perTaskMin > 0 && perTask.perTaskMin <= perTask.perTaskMax)
        // unlink2: every task has its own directory: nothing of the directory is shared.
        let own = try Self.run("unlink2", threads: 4, iterations: 200)
        #expect(Self.lock(own, "own_dir_i_rwsem").contended == 0)
        #expect(Self.lock(own, "tmp_dir_i_rwsem").acquisitions == 0)
        #expect(own.workloads[0].throughputPerSecond > r.workloads[0].throughputPerSecond)
    }

    @Test func threadsShareTheirProcessesFileTableAndMm() throws {
        // open1: separate processes each have a file table; threads share one, and its lock.
        let processes = try Self.run("open1", threads: 8, iterations: 300)
        let threads = try Self.run("open1", mode: "threads", threads: 8, iterations: 300)
        #expect(Self.lock(processes, "files_file_lock").contended == 0)
        #expect(Self.lock(threads, "files_file_lock").contended > 0)
        #expect(threads.workloads[0].throughputPerSecond < processes.workloads[0].throughputPerSecond / 2)
        // tlb_flush1: madvise flushes the other CPUs running the mm: none for a process of its
        // own, every other thread in threads mode, each by an IPI.
        let alone = try Self.run("tlb_flush1", threads: 4, iterations: 200)
        let shared = try Self.run("tlb_flush1", mode: "threads", threads: 4, iterations: 200)
        #expect(alone.kernels[0].tlb.interrupted == 0)
        #expect(shared.kernels[0].tlb.interrupted > 0)
        #expect(shared.kernels[0].ipiSent > 0)
    }

    @Test func lock1CountsEachFcntlAndPageFault1EachFault() throws {
        let lock = try Self.run("lock1", threads: 1, iterations: 100)
        #expect(Self.lock(lock, "file_flc_lock").acquisitions == 100)  // lock, unlock: 2 iterations per pass
        // page_fault1: one mmap, then one iteration per page touched; the zone lock once per
        // pcp batch of 63 faults on a CPU.
        let faults = try Self.run("page_fault1", threads: 1, iterations: 6_300)
        #expect(faults.workloads[0].ops == 6_300)
        #expect(Self.lock(faults, "mmap_lock").acquisitions == 1)
        #expect(Self.lock(faults, "zone_lock").acquisitions == 100)
        #expect(Self.lock(faults, "lru_lock").acquisitions == 420)
    }
}
