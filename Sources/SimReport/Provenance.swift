import BuildInfo
import Foundation
import SimScenario

/// What made a result: mksim's version and commit, the scenario file and its SHA-256, the
/// seed, the point's sweep values and `--set` overrides, and the command line. Anyone holding
/// a result can check "same inputs, seed and version: the same result" with it.
public struct Provenance: Sendable {
    public var version = MKSimVersion.number
    public var commit = BuildInfo.commit
    public var file: String
    public var sha256: String
    public var seed: UInt64
    public var sweep: [(key: String, value: String)]
    public var overrides: [(key: String, value: String)]
    /// The command as typed (shell-quoted), or nil when the run did not come from one.
    public var command: String?

    public init(point: RunPoint, command: String?) {
        file = point.file
        sha256 = point.fileSHA256
        seed = point.scenario.config.seed
        sweep = point.sweepValues
        overrides = point.overrideValues
        self.command = command
    }

    /// This process's command line, shell-quoted, its program named `mksim`.
    public static var commandLine: String {
        (["mksim"] + CommandLine.arguments.dropFirst().map(CheckSupport.shellQuote)).joined(separator: " ")
    }

    public var json: JSONValue {
        .object([
            ("mksim_version", .string(version)),
            ("commit", commit.map(JSONValue.string) ?? .null),
            ("scenario_file", .string(file)),
            ("scenario_sha256", .string(sha256)),
            ("seed", .uint(seed)),
            ("sweep", .object(sweep.map { ($0.key, ResultJSON.scalar($0.value)) })),
            ("overrides", .object(overrides.map { ($0.key, ResultJSON.scalar($0.value)) })),
            ("command", command.map(JSONValue.string) ?? .null),
        ])
    }
}
