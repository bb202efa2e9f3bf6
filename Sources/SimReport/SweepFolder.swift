import Foundation
import SimScenario

/// A sweep's `--out` folder as points finish: each point's JSON written (atomically) when it
/// is done, so that an interrupted sweep keeps its finished points and `--resume` skips
/// them; a shard's manifest, so that `mksim merge` can rebuild the sweep's points exactly.
public struct SweepFolder: Sendable {
    public let path: String
    /// Points in the whole sweep (of every shard): a sweep of one writes result.json.
    public let points: Int
    public init(path: String, points: Int) { self.path = path; self.points = points }

    public struct Problem: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// point-0001.json for the first point (of the whole sweep, whatever the shard), or
    /// result.json when the sweep has one point, as `mksim run --out` writes it.
    public static func pointFile(_ index: Int, of count: Int) -> String {
        count == 1 ? "result.json" : String(format: "point-%04d.json", index + 1)
    }

    public func write(_ json: JSONValue, index: Int) throws {
        try AtomicFile.write(json.render() + "\n", to: path + "/" + Self.pointFile(index, of: points))
    }

    /// The result already in the folder for `point` (number `index`), or nil when there is
    /// none; a file made by another version, from another scenario text or for another point
    /// is refused: resuming would mix results that do not belong together.
    public func finished(_ point: RunPoint, index: Int) throws(Problem) -> JSONValue? {
        let file = path + "/" + Self.pointFile(index, of: points)
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        let json: JSONValue
        do { json = try JSONText.parse(text, file: file) } catch { throw Problem(description: "\(file): \(error.description) (remove it to run the point again)") }
        try Self.check(json, belongsTo: point, file: file)
        return json
    }

    /// That `json` is `point`'s result, by this version, from the same scenario text.
    public static func check(_ json: JSONValue, belongsTo point: RunPoint, file: String) throws(Problem) {
        let version = json.at("provenance.mksim_version")?.stringValue ?? "an unknown version"
        guard version == MKSimVersion.number else {
            throw Problem(description: "\(file) was written by mksim \(version), this is \(MKSimVersion.number): results of two versions are not one sweep (sweep into another folder)")
        }
        guard json.at("provenance.scenario_sha256")?.stringValue == point.fileSHA256 else {
            throw Problem(description: "\(file) comes from another text of the scenario (SHA-256 \(json.at("provenance.scenario_sha256")?.text ?? "-"), now \(point.fileSHA256)); sweep into another folder")
        }
        let params = (json["params"]?.objectPairs ?? []).map { "\($0.0)=\($0.1.render(pretty: false))" }
        let wanted = point.params.map { "\($0.key)=\(ResultJSON.scalar($0.value).render(pretty: false))" }
        guard json["variant"]?.stringValue == point.variant, params == wanted,
              json["seed"]?.doubleValue == Double(point.scenario.config.seed) else {
            throw Problem(description: "\(file) holds another point (\(params.joined(separator: " "))) than this sweep's \(wanted.joined(separator: " ")) (other --set values?); sweep into another folder")
        }
    }
}

/// What a shard of a sweep was: the scenario and options it expanded its points from, and
/// which of them it ran (every N-th, from I). `mksim merge` rebuilds the points from it.
public struct ShardManifest: Sendable, Equatable {
    public static let fileName = "shard.json"
    public var shard: Int
    public var of: Int
    public var points: Int
    public var scenarioFile: String
    public var scenarioSHA256: String
    public var version: String
    /// The sweep's options as given: `--set` values, `--seed`, `--variant`.
    public var overrides: [String]
    public var seed: UInt64?
    public var variant: String?

    public init(shard: Int, of: Int, points: Int, scenarioFile: String, scenarioSHA256: String, overrides: [String], seed: UInt64?, variant: String?) {
        self.shard = shard; self.of = of; self.points = points; self.scenarioFile = scenarioFile; self.scenarioSHA256 = scenarioSHA256
        version = MKSimVersion.number; self.overrides = overrides; self.seed = seed; self.variant = variant
    }

    /// Whether point `index` is this shard's.
    public func owns(_ index: Int) -> Bool { index % of == shard }

    public var json: JSONValue {
        .object([
            ("shard", .int(Int64(shard))), ("of", .int(Int64(of))), ("points", .int(Int64(points))),
            ("mksim_version", .string(version)), ("scenario_file", .string(scenarioFile)), ("scenario_sha256", .string(scenarioSHA256)),
            ("set", .array(overrides.map(JSONValue.string))), ("seed", seed.map { .uint($0) } ?? .null), ("variant", variant.map(JSONValue.string) ?? .null),
        ])
    }

    public static func read(folder: String) throws(SweepFolder.Problem) -> ShardManifest {
        let file = folder + "/" + fileName
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw SweepFolder.Problem(description: "\(folder): no \(fileName) (not written by mksim sweep --shard I/N)")
        }
        let j: JSONValue
        do { j = try JSONText.parse(text, file: file) } catch { throw SweepFolder.Problem(description: error.description) }
        guard let shard = j["shard"]?.doubleValue, let of = j["of"]?.doubleValue, let points = j["points"]?.doubleValue,
              let sf = j["scenario_file"]?.stringValue, let sha = j["scenario_sha256"]?.stringValue, let version = j["mksim_version"]?.stringValue else {
            throw SweepFolder.Problem(description: "\(file): not a shard manifest")
        }
        var m = ShardManifest(shard: Int(shard), of: Int(of), points: Int(points), scenarioFile: sf, scenarioSHA256: sha,
                              overrides: (j["set"]?.arrayItems ?? []).compactMap(\.stringValue),
                              seed: j["seed"].flatMap { UInt64($0.text) }, variant: j["variant"]?.stringValue)
        m.version = version
        return m
    }
}
