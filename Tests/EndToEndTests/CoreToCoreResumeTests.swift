import Foundation
import Testing

/// `mksim c2c` records pairs as they finish; an interrupted run resumed with `--resume`
/// writes the matrix an uninterrupted run writes, byte for byte (issue 22, item 6).
@Suite struct CoreToCoreResumeTests {
    @Test func anInterruptedMatrixResumesToTheSameFile() throws {
        let dir = try ReportTests.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        // 2016 pairs of 10 round trips: ~10 s on this VM with one job.
        let args = ["c2c", "--set", "machine.preset=xeon-gold-6242-2s", "--iterations", "10", "--jobs", "1"]
        let whole = dir.appendingPathComponent("whole").path, cut = dir.appendingPathComponent("cut").path
        #expect(try Repo.mksim(args + ["--out", whole]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: whole + "/matrix.partial.csv"), "a finished run leaves no journal")

        let p = Process()
        p.executableURL = Repo.executable
        p.arguments = args + ["--out", cut]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let journal = cut + "/matrix.partial.csv"
        func lines() -> Int { ((try? String(contentsOfFile: journal, encoding: .utf8)) ?? "").split(separator: "\n").count }
        let deadline = Date().addingTimeInterval(60)
        while lines() < 200 && p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        p.interrupt()
        p.waitUntilExit()
        #expect(p.terminationStatus == 130, "interrupted: \(p.terminationStatus)")
        let kept = lines() - 1
        #expect(kept >= 199 && kept < 2016, "the journal keeps the pairs measured before ^C: \(kept)")
        #expect(!FileManager.default.fileExists(atPath: cut + "/matrix.csv"))

        // Another measurement is not continued from it.
        let other = try Repo.mksim(args.map { $0 == "10" ? "12" : $0 } + ["--out", cut, "--resume"])
        #expect(other.status == 2 && other.stderr.contains("something else"), "\(other.stderr)")
        let resumed = try Repo.mksim(args + ["--out", cut, "--resume"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("resuming: \(kept) pairs already measured, \(2016 - kept) to go"), "\(resumed.stdout)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: cut + "/matrix.csv")) == Data(contentsOf: URL(fileURLWithPath: whole + "/matrix.csv")))
        #expect(!FileManager.default.fileExists(atPath: journal))
    }
}
