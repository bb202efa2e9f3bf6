import Foundation
import SimReport
import Testing

/// Sweeps that outgrow one run: shards joined by `mksim merge`, and sweeps resumed after an
/// interruption, give the folder one uninterrupted `mksim sweep` writes (issue 18, items 3, 4).
@Suite struct SweepShardTests {
    static let file = "scenarios/unlink-two-sockets.yaml"

    static func folder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mksim-shards-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A results folder's files as comparable text: JSON without `host` and the command line
    /// (the only parts that differ between two runs of the same inputs), CSVs without the
    /// command column.
    static func contents(_ dir: String) throws -> [String: String] {
        var out: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir) where name != ShardManifest.fileName {
            let text = try String(contentsOfFile: dir + "/" + name, encoding: .utf8)
            if name.hasSuffix(".json") {
                var json = try JSONText.parse(text, file: name).withoutHost
                if case .object(var pairs) = json, let k = pairs.firstIndex(where: { $0.0 == "provenance" }), case .object(let p) = pairs[k].1 {
                    pairs[k].1 = .object(p.filter { $0.0 != "command" })
                    json = .object(pairs)
                }
                out[name] = json.render()
            } else if name.hasSuffix(".csv") {
                let rows = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
                let command = rows[0].firstIndex(of: "command")!
                out[name] = rows.map { r in r.enumerated().filter { $0.offset != command }.map(\.element).joined(separator: ",") }.joined(separator: "\n")
            } else {
                out[name] = text
            }
        }
        return out
    }

    @Test func shardsMergeIntoTheSweep() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let whole = dir.appendingPathComponent("whole").path
        #expect(try Repo.mksim(["sweep", Self.file, "--out", whole]).status == 0)
        var shards: [String] = []
        for i in 0..<3 {
            let s = dir.appendingPathComponent("shard-\(i)").path
            let r = try Repo.mksim(["sweep", Self.file, "--shard", "\(i)/3", "--jobs", "1", "--out", s])
            #expect(r.status == 0, "\(r.stderr)")
            // Every third point, numbered as in the whole sweep.
            let points = try FileManager.default.contentsOfDirectory(atPath: s).filter { $0.hasPrefix("point-") }.sorted()
            #expect(points == stride(from: i, to: 14, by: 3).map { SweepFolder.pointFile($0, of: 14) })
            shards.append(s)
        }
        let merged = dir.appendingPathComponent("merged").path
        let m = try Repo.mksim(["merge", shards[2], shards[0], shards[1], "--out", merged])
        #expect(m.status == 0, "\(m.stderr)")
        #expect(try Self.contents(merged) == Self.contents(whole))

        // What cannot be merged is named, and nothing is written.
        let bad = dir.appendingPathComponent("bad").path
        let missing = try Repo.mksim(["merge", shards[0], shards[1], "--out", bad])
        #expect(missing.status == 2 && missing.stderr.contains("shard 2/3 missing"), "\(missing.stderr)")
        let twice = try Repo.mksim(["merge", shards[0], shards[1], shards[1], shards[2], "--out", bad])
        #expect(twice.status == 2 && twice.stderr.contains("shard 1/3 is given twice"), "\(twice.stderr)")
        let other = dir.appendingPathComponent("other").path
        #expect(try Repo.mksim(["sweep", Self.file, "--shard", "1/3", "--set", "seed=9", "--out", other]).status == 0)
        let mixed = try Repo.mksim(["merge", shards[0], other, shards[2], "--out", bad])
        #expect(mixed.status == 2 && mixed.stderr.contains("a shard of another sweep"), "\(mixed.stderr)")
        try FileManager.default.removeItem(atPath: shards[1] + "/" + SweepFolder.pointFile(4, of: 14))
        let unfinished = try Repo.mksim(["merge", shards[0], shards[1], shards[2], "--out", bad])
        #expect(unfinished.status == 2 && unfinished.stderr.contains("1 point missing") && unfinished.stderr.contains("--resume"), "\(unfinished.stderr)")
        #expect(!FileManager.default.fileExists(atPath: bad))
        let wrong = try Repo.mksim(["sweep", Self.file, "--shard", "3/3", "--out", bad])
        #expect(wrong.status == 2, "\(wrong.stderr)")
    }

    /// A sweep of one point writes result.json and no sweep.csv; its shards merged, and its
    /// resumed run, write the same.
    @Test func aOnePointSweepShardedOrResumedWritesWhatTheSweepWrites() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let one = ["--variant", "smp", "--set", "workloads.unlink.total_threads=4"]
        let whole = dir.appendingPathComponent("whole").path
        #expect(try Repo.mksim(["sweep", Self.file, "--out", whole] + one).status == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: whole).sorted() == ["result.json", "scenario.yaml"])
        var shards: [String] = []
        for i in 0..<2 {
            let s = dir.appendingPathComponent("shard-\(i)").path
            let r = try Repo.mksim(["sweep", Self.file, "--shard", "\(i)/2", "--out", s] + one)
            #expect(r.status == 0, "\(r.stderr)")
            shards.append(s)
        }
        let merged = dir.appendingPathComponent("merged").path
        let m = try Repo.mksim(["merge", shards[1], shards[0], "--out", merged])
        #expect(m.status == 0, "\(m.stderr)")
        #expect(try Self.contents(merged) == Self.contents(whole))
        let resumed = dir.appendingPathComponent("resumed").path
        #expect(try Repo.mksim(["sweep", Self.file, "--resume", "--out", resumed] + one).status == 0)
        #expect(try Self.contents(resumed) == Self.contents(whole))
        let again = try Repo.mksim(["sweep", Self.file, "--resume", "--out", resumed] + one)
        #expect(again.status == 0 && again.stdout.contains("resuming: 1 of 1 points"), "\(again.stdout)")
        #expect(try Self.contents(resumed) == Self.contents(whole))
    }

    @Test func anInterruptedSweepResumesToTheSameFolder() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        // 20 ms per point: ~5 s for the 14 points on one job, time to interrupt it.
        let args = ["sweep", Self.file, "--set", "workloads.unlink.generate.duration=20ms", "--jobs", "1"]
        let whole = dir.appendingPathComponent("whole").path, cut = dir.appendingPathComponent("cut").path
        #expect(try Repo.mksim(args + ["--out", whole]).status == 0)

        let p = Process()
        p.executableURL = Repo.executable
        p.arguments = args + ["--out", cut]
        p.currentDirectoryURL = Repo.root
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        func points() -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: cut)) ?? []).filter { $0.hasPrefix("point-") } }
        let deadline = Date().addingTimeInterval(60)
        while points().count < 3 && p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        p.interrupt()
        p.waitUntilExit()
        #expect(p.terminationStatus == 130, "\(p.terminationStatus)")
        let kept = points().count
        #expect(kept >= 3 && kept < 14, "the finished points stay: \(kept)")
        let left = try FileManager.default.contentsOfDirectory(atPath: cut)
        #expect(!left.contains { $0.contains(".tmp-") } && !left.contains("sweep.csv"), "\(left)")

        // Another sweep's folder is not resumed into.
        let other = try Repo.mksim(args + ["--set", "seed=9", "--out", cut, "--resume"])
        #expect(other.status == 2 && other.stderr.contains("holds another point"), "\(other.stderr)")
        let resumed = try Repo.mksim(args + ["--out", cut, "--resume"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("resuming: \(kept) of 14 points already in \(cut)"), "\(resumed.stdout)")
        #expect(try Self.contents(cut) == Self.contents(whole))

        // Results of another version are not mixed in.
        let first = cut + "/" + SweepFolder.pointFile(0, of: 14)
        let text = try String(contentsOfFile: first, encoding: .utf8)
        try text.replacingOccurrences(of: "\"mksim_version\": \"\(MKSimVersion.number)\"", with: "\"mksim_version\": \"0.0.1\"")
            .write(toFile: first, atomically: true, encoding: .utf8)
        let old = try Repo.mksim(args + ["--out", cut, "--resume"])
        #expect(old.status == 2 && old.stderr.contains("written by mksim 0.0.1"), "\(old.stderr)")
    }
}
