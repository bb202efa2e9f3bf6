import Foundation
import Testing

/// A model too big for the host is refused before it is built, at the item that makes it big,
/// with the estimate, its largest part and the limit, and `--max-memory` raises the limit
/// (issue 16, item 3).
@Suite struct ModelFootprintTests {
    static func scenario(machine: String, threads: Int) -> String {
        """
        mksim: 1
        name: big
        machine: {preset: teaching-2s4c\(machine)}
        kernels: [{name: k, cpus: all}]
        workloads:
          - name: w
            threads: \(threads)
            generate: {kind: syscall-loop, syscall: getpid, iterations: 1}

        """
    }

    static func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mksim-footprint-\(getpid())-\(UUID().uuidString).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func aHugeMachineIsRefusedAtItsMachine() throws {
        // 64 sockets of 512 two-thread cores: 65,536 CPUs, the documented cap (it used to
        // pass 2.9 GB before printing anything).
        let file = try Self.write(Self.scenario(machine: ", sockets: 64, cores_per_socket: 512, threads_per_core: 2", threads: 1))
        defer { unlink(file) }
        for command in [["validate", file], ["run", file], ["sweep", file, "--out", file + ".out"]] {
            let r = try Repo.mksim(command)
            #expect(r.status == 2, "\(command[0]): \(r.status) \(r.stderr)")
            #expect(r.stderr.contains("\(file):3:10: error: machine: the model would take about 12.5 GiB of memory"), "\(r.stderr)")
            #expect(r.stderr.contains("sharer sets for 65536 CPUs") && r.stderr.contains("above the limit of 1 GiB")
                    && r.stderr.contains("--max-memory 13GiB"), "\(r.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: file + ".out/point-0001.json") && !FileManager.default.fileExists(atPath: file + ".out/result.json"))
    }

    /// compute-memory gives each thread its private lines (64 by default): a million such
    /// tasks took 13.9 GB when only the tasks were counted (1.7 GiB estimated).
    @Test func theLinesOfManyTasksAreCounted() throws {
        let text = Self.scenario(machine: "", threads: 1_000_000)
            .replacingOccurrences(of: "{kind: syscall-loop, syscall: getpid, iterations: 1}", with: "{kind: compute-memory, iterations: 1}")
        let file = try Self.write(text)
        defer { unlink(file) }
        let r = try Repo.mksim(["validate", file])
        #expect(r.status == 2 && r.stderr.contains("\(file):7:5: error: workloads[0].threads: the model would take about 12.2 GiB"), "\(r.stderr)")
        #expect(r.stderr.contains("mostly the 64000016 lines of the workloads' tasks") && r.stderr.contains("--max-memory 13GiB"), "\(r.stderr)")
    }

    @Test func manyTasksAreRefusedAtTheirWorkloadAndTheLimitRises() throws {
        let file = try Self.write(Self.scenario(machine: "", threads: 1_000_000))
        defer { unlink(file) }
        // Refused by default, at once, with the limit and how to raise it (issue 16).
        let low = try Repo.mksim(["validate", file])
        #expect(low.status == 2 && low.stderr.contains("\(file):7:5: error: workloads[0].threads: the model would take about 1.7 GiB"), "\(low.stderr)")
        #expect(low.stderr.contains("mostly 1000000 tasks") && low.stderr.contains("above the limit of 1 GiB")
                && low.stderr.contains("--max-memory 2GiB"), "\(low.stderr)")
        // A small model passes a low limit.
        let small = try Self.write(Self.scenario(machine: "", threads: 4))
        defer { unlink(small) }
        #expect(try Repo.mksim(["run", small, "--max-memory", "64MiB"]).status == 0)
        let tiny = try Repo.mksim(["run", small, "--max-memory", "1MiB"])
        #expect(tiny.status == 2 && tiny.stderr.contains("above the limit of 1 MiB"), "\(tiny.stderr)")
        for bad in ["0", "lots", "-4GiB", "1GB7"] {
            let r = try Repo.mksim(["run", small, "--max-memory", bad])
            #expect(r.status == 2 && r.stderr.contains("--max-memory"), "\(bad): \(r.stderr)")
        }
    }
}
