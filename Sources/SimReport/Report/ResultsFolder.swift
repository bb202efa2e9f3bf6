import Foundation
import SimScenario

/// What `mksim run --out`, `mksim sweep --out` and `mksim c2c --out` leave in a folder,
/// read back: the results in point order, the scenario's text, a core-to-core matrix.
public struct ResultsFolder {
    public var path: String
    /// (file name, result), from result.json or point-NNNN.json in order.
    public var results: [(file: String, json: JSONValue)]
    /// scenario.yaml as copied beside the results, else the file named by the provenance
    /// when it is still there and its SHA-256 is unchanged.
    public var scenarioText: String?
    public var matrix: LatencyMatrix?

    public struct Problem: Error, CustomStringConvertible {
        public var description: String
    }

    public static func isResultFile(_ name: String) -> Bool {
        name == "result.json" || (name.hasPrefix("point-") && name.hasSuffix(".json"))
    }

    public static func load(_ path: String) throws(Problem) -> ResultsFolder {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw Problem(description: "\(path): no such folder")
        }
        guard isDirectory.boolValue else {
            throw Problem(description: "\(path): a file, not a results folder (give the folder of run --out, sweep --out or c2c --out)")
        }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
        var folder = ResultsFolder(path: path, results: [])
        for name in names where isResultFile(name) {
            let file = path + "/" + name
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { throw Problem(description: "cannot read \(file)") }
            let json: JSONValue
            do { json = try JSONText.parse(text, file: file) } catch { throw Problem(description: error.description) }
            guard json["mksim"] != nil else { throw Problem(description: "\(file): not an mksim result (no \"mksim\" key)") }
            folder.results.append((name, json))
        }
        if let text = try? String(contentsOfFile: path + "/matrix.csv", encoding: .utf8) {
            guard let m = LatencyMatrix.parse(csv: text) else { throw Problem(description: "\(path)/matrix.csv: not a latency matrix (CSV, lower-triangular, ns)") }
            folder.matrix = m
        }
        if folder.results.isEmpty && folder.matrix == nil {
            throw Problem(description: "\(path): holds no result.json, point-NNNN.json or matrix.csv (not written by mksim run --out, sweep or c2c)")
        }
        if let text = try? String(contentsOfFile: path + "/scenario.yaml", encoding: .utf8) {
            folder.scenarioText = text
        } else if let p = folder.results.first?.json.at("provenance"), let file = p["scenario_file"]?.stringValue,
                  let text = try? String(contentsOfFile: file, encoding: .utf8), ScenarioFile.sha256(of: text) == p["scenario_sha256"]?.stringValue {
            folder.scenarioText = text
        }
        return folder
    }
}
