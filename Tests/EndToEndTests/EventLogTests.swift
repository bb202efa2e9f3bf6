import Foundation
import Testing

/// `mksim run --events FILE`: the observation stream as JSON Lines agrees with the result's
/// own counters, point by point, and is in time order.
@Suite struct EventLogTests {
    /// Per point: the result JSON and the counts of the log's records by kind.
    private func run(_ args: [String]) throws -> [(result: [String: Any], kinds: [String: Int], records: [[String: Any]])] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mksim-events-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = dir.appendingPathComponent("ev.jsonl")
        let r = try Repo.mksim(["run"] + args + ["--events", log.path, "--json"])
        #expect(r.status == 0 || r.status == 1, "\(r.stderr)")
        // Only the final name is left: no temporary file beside it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["ev.jsonl"])
        let parsed = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8))
        let results = (parsed as? [[String: Any]]) ?? [parsed as! [String: Any]]
        var points: [(kinds: [String: Int], records: [[String: Any]])] = []
        for line in try String(contentsOf: log, encoding: .utf8).split(separator: "\n") {
            let record = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let kind = record["kind"] as! String
            if kind == "run" {
                #expect(record["point"] as? Int == points.count + 1)
                points.append(([:], []))
                continue
            }
            points[points.count - 1].kinds[kind, default: 0] += 1
            points[points.count - 1].records.append(record)
        }
        #expect(points.count == results.count)
        return zip(results, points).map { ($0, $1.kinds, $1.records) }
    }

    private func sum(_ result: [String: Any], kernels key: String) -> Int {
        (result["kernels"] as! [String: [String: Any]]).values.reduce(0) { $0 + ($1[key] as! Int) }
    }

    private func channelTotals(_ result: [String: Any]) -> (sent: Int, delivered: Int) {
        var sent = 0, delivered = 0
        for directions in (result["channels"] as? [String: [String: [String: Any]]] ?? [:]).values {
            for d in directions.values {
                sent += d["sent"] as! Int
                delivered += d["delivered"] as! Int
            }
        }
        return (sent, delivered)
    }

    private func checkCounts(_ points: [(result: [String: Any], kinds: [String: Int], records: [[String: Any]])]) {
        for p in points {
            let accounting = (p.result["apic"] as! [String: Any])["accounting"] as! [String: Any]
            #expect(p.kinds["ipi_sent", default: 0] == accounting["targeted"] as! Int)
            #expect(p.kinds["ipi_delivered", default: 0] == accounting["arrived"] as! Int)
            #expect(p.kinds["context_switch", default: 0] == sum(p.result, kernels: "context_switches"))
            #expect(p.kinds["handler_enter", default: 0] == sum(p.result, kernels: "interrupts_handled"))
            let (sent, delivered) = channelTotals(p.result)
            #expect(p.kinds["message_sent", default: 0] == sent)
            #expect(p.kinds["message_delivered", default: 0] == delivered)
            // Written in simulated-time order.
            let times = p.records.map { ($0["t_ns"] as! NSNumber).doubleValue }
            #expect(zip(times, times.dropFirst()).allSatisfy { $0 <= $1 })
        }
    }

    @Test func quickstartRecordsMatchTheResultsCounters() throws {
        let points = try run(["scenarios/quickstart.yaml"])
        #expect(points.count == 2)
        checkCounts(points)
        // The split variant sends messages over its channel, each with its IPI, named.
        let split = points[1]
        #expect(split.kinds["message_sent", default: 0] > 0)
        #expect(split.kinds["ipi_sent", default: 0] > 0)
        let delivery = split.records.first { $0["kind"] as? String == "message_delivered" }
        #expect(delivery?["channel"] as? String == "link")
        #expect(delivery?["to"] as? String == "right")
        #expect((delivery?["latency_ns"] as? NSNumber).map { $0.doubleValue > 0 } == true)
        // Every syscall that entered left (the run stops between loop iterations).
        #expect(split.kinds["syscall_enter"] == split.kinds["syscall_exit"])
        #expect(split.kinds["lock_acquired"] == split.kinds["lock_released"])
        // Every lock is named, those made during the run (a task's files_file_lock) too.
        let locks = split.records.filter { ($0["kind"] as? String)?.hasPrefix("lock_") == true }.map { $0["lock"] }
        #expect(!locks.isEmpty && locks.allSatisfy { $0 is String })
        #expect(locks.contains { $0 as? String == "left.files_file_lock" })
    }

    @Test func switchesAndLifecycleOfAPanickingRun() throws {
        let points = try run(["scenarios/multikernel/panic.yaml"])
        checkCounts(points)
        #expect(points.allSatisfy { $0.kinds["context_switch", default: 0] > 0 })
        // The failing instance is reported panicking (and respawning, or halted), the healthy run's not.
        func states(_ variant: String) -> [String] {
            points.first { $0.result["variant"] as? String == variant }!.records
                .filter { $0["kind"] as? String == "kernel_state" }.compactMap { $0["state"] as? String }
        }
        #expect(states("healthy") == ["loaded", "active"])
        #expect(states("panic") == ["loaded", "active", "panicked"])
        #expect(states("respawn") == ["loaded", "active", "panicked", "respawning"])
        #expect(states("shutdown") == ["loaded", "active", "halted"])
    }

    @Test func eventsToAnUnwritablePlaceIsBadInput() throws {
        let r = try Repo.mksim(["run", "scenarios/quickstart.yaml", "--events", "/nonexistent-dir/ev.jsonl"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("--events"))
    }
}
