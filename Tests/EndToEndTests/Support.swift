import Foundation
import SchedulerExamples
import SimKernelModel
import SimReport
import SimScenario

enum Repo {
    /// Scenarios may name the example policies, as the `mksim` command registers them.
    static let registered: Void = SchedulerExamples.register()

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized

    static func path(_ relative: String) -> String {
        _ = registered
        return root.appendingPathComponent(relative).path
    }

    /// Every scenario shipped in scenarios/, sorted.
    static func scenarios() -> [String] {
        _ = registered
        let dir = root.appendingPathComponent("scenarios")
        let files = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: nil)?
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "yaml" }.map(\.path) ?? []
        return files.sorted()
    }

    /// Every point of a shipped scenario, run, by variant name.
    static func resultsByVariant(_ file: String) throws -> [String: SimulationResult] {
        var results: [String: SimulationResult] = [:]
        for p in try ScenarioFile.load(path: path(file)).points() { results[p.variant ?? ""] = try Runner.run(p).result }
        return results
    }

    /// The mksim executable built beside the test bundle.
    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("mksim")
    }

    struct Output { var status: Int32; var stdout: String; var stderr: String }

    static func mksim(_ args: [String], input: String? = nil) throws -> Output { try run(executable, args, input: input) }

    /// Runs a program from the repository's root (with `input` on its standard input, else
    /// none) and collects what it printed.
    static func run(_ program: URL, _ args: [String], input: String? = nil) throws -> Output {
        let p = Process()
        p.executableURL = program
        p.arguments = args
        p.currentDirectoryURL = root
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        let stdin = Pipe()
        p.standardInput = stdin
        try p.run()
        // Small inputs fit the pipe's buffer: written whole before the output is read.
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Output(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }
}

extension JSONValue {
    /// The result without `host` (the only part allowed to differ between runs).
    var withoutHost: JSONValue {
        guard case .object(let pairs) = self else { return self }
        return .object(pairs.filter { $0.0 != "host" })
    }
}
