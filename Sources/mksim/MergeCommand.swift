import ArgumentParser
import Foundation
import SimReport
import SimScenario

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Join the shard folders of a sweep into what one sweep writes.",
        discussion: """
        Takes the folders of `mksim sweep FILE --shard I/N --out DIR_I` for every I of one N \
        (same scenario text, --set values, seed, variant and mksim version) and writes, into \
        --out, the point files, sweep.csv and scenario.yaml that `mksim sweep FILE --out DIR` \
        writes: the same bytes except each result's `host` timings and the command line in \
        its provenance. A missing shard or point is named, and nothing is written.

          sbatch --array=0-3 examples/slurm/sweep-array.sbatch   # then:
          mksim merge out/shard-* --out out/sweep
        """
    )

    @Argument(help: "The shard folders (one per shard, in any order).")
    var shards: [String]

    @Option(help: "Folder for the merged sweep.")
    var out: String

    @Option(help: ArgumentHelp("Also write sweep-long.csv.", valueName: "wide|long"))
    var csv: SweepCSV.Shape = .wide

    func run() throws {
        let points: [RunPoint], files: [Int: (String, JSONValue)]
        do { (points, files) = try collect() } catch {
            printError("error: \(error.description)")
            throw ExitCode(Exit.badInput)
        }
        var results: [StoredPoint] = []
        for (i, p) in points.enumerated() {
            let (text, json) = files[i]!
            results.append(StoredPoint(point: p, json: json))
            do { try AtomicFile.write(text, to: out + "/" + SweepFolder.pointFile(i, of: points.count)) } catch {
                printError("error: cannot write results to \(out): \(pathProblem(out) ?? error.localizedDescription)")
                throw ExitCode(Exit.badInput)
            }
        }
        try writeSweepFiles(results, to: out, csv: csv)
        print(Summary.sweepTable(results))
        print("\nmerged \(shards.count) shard\(shards.count == 1 ? "" : "s"): wrote \(results.count == 1 ? "result.json" : "\(results.count) point files and sweep.csv") to \(out)")
        if !reportExpectations(results, quiet: true) { throw ExitCode(Exit.expectationFailed) }
    }

    /// The sweep's points, rebuilt as the shards expanded them, and every point's file.
    func collect() throws(SweepFolder.Problem) -> ([RunPoint], [Int: (String, JSONValue)]) {
        let manifests = try shards.map { folder throws(SweepFolder.Problem) in try ShardManifest.read(folder: folder) }
        let first = manifests[0]
        for (m, folder) in zip(manifests, shards) {
            var a = m, b = first
            a.shard = 0; b.shard = 0
            guard a == b else {
                throw SweepFolder.Problem(description: "\(folder) is a shard of another sweep than \(shards[0]) (scenario, --set, --seed, --variant, shard count or mksim version differ)")
            }
        }
        guard first.version == MKSimVersion.number else {
            throw SweepFolder.Problem(description: "the shards were written by mksim \(first.version), this is \(MKSimVersion.number): merge them with that version")
        }
        let given = manifests.map(\.shard)
        if let twice = given.first(where: { s in given.filter { $0 == s }.count > 1 }) {
            throw SweepFolder.Problem(description: "shard \(twice)/\(first.of) is given twice")
        }
        let missing = (0..<first.of).filter { !given.contains($0) }
        if !missing.isEmpty {
            throw SweepFolder.Problem(description: "shard\(missing.count == 1 ? "" : "s") \(missing.map { "\($0)/\(first.of)" }.joined(separator: ", ")) missing: merge takes every shard's folder")
        }
        // The scenario where the shards read it, or the copy they kept (same text).
        var file = first.scenarioFile
        if (try? String(contentsOfFile: file, encoding: .utf8)).map(ScenarioFile.sha256(of:)) != first.scenarioSHA256 {
            file = shards[0] + "/scenario.yaml"
            guard (try? String(contentsOfFile: file, encoding: .utf8)).map(ScenarioFile.sha256(of:)) == first.scenarioSHA256 else {
                throw SweepFolder.Problem(description: "neither \(first.scenarioFile) nor \(file) holds the scenario the shards ran (SHA-256 \(first.scenarioSHA256))")
            }
        }
        let args = [file] + first.overrides.flatMap { ["--set", $0] } + (first.seed.map { ["--seed", String($0)] } ?? []) + (first.variant.map { ["--variant", $0] } ?? [])
        guard let options = try? ScenarioOptions.parse(args), let points = try? options.points() else {
            throw SweepFolder.Problem(description: "cannot expand the sweep from \(file) with \(first.overrides.joined(separator: " ")) (errors above)")
        }
        guard points.count == first.points else {
            throw SweepFolder.Problem(description: "\(file) now expands to \(points.count) points; the shards ran \(first.points)")
        }
        var files: [Int: (String, JSONValue)] = [:]
        var absent: [String] = []
        for (m, folder) in zip(manifests, shards) {
            for i in points.indices where m.owns(i) {
                let path = folder + "/" + SweepFolder.pointFile(i, of: points.count)
                guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { absent.append(path); continue }
                let json: JSONValue
                do { json = try JSONText.parse(text, file: path) } catch { throw SweepFolder.Problem(description: error.description) }
                try SweepFolder.check(json, belongsTo: points[i], file: path)
                files[i] = (text, json)
            }
        }
        if !absent.isEmpty {
            throw SweepFolder.Problem(description: "\(absent.count) point\(absent.count == 1 ? "" : "s") missing, like \(absent[0]): did that shard finish? (rerun it with --resume)")
        }
        return (points, files)
    }
}
