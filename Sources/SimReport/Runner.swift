import Dispatch
import Foundation
import SimWorkloads
import SimKernelModel
import SimScenario

/// One finished run: the point, what the model measured, and its JSON.
/// A point and its result as JSON: a run just made, or one read back from a results folder
/// (a resumed or merged sweep). Expectations, the sweep table and CSVs need only this.
public protocol PointResult: Sendable {
    var point: RunPoint { get }
    var json: JSONValue { get }
}

public struct RunOutcome: PointResult {
    public var point: RunPoint
    public var result: SimulationResult
    public var json: JSONValue
}

/// A point's result as written in a results folder.
public struct StoredPoint: PointResult {
    public var point: RunPoint
    public var json: JSONValue
    public init(point: RunPoint, json: JSONValue) { self.point = point; self.json = json }
}

public enum Runner {
    /// Builds and runs one point, reporting what happens to `observer` if given; `command`
    /// (the command line that asked for it) goes into the result's provenance.
    public static func run(_ point: RunPoint, observer: (any Observer)? = nil, command: String? = nil) throws(ConfigurationError) -> RunOutcome {
        var sim = try Simulation(point.scenario.config)
        if let observer { sim.attach(observer) }
        let result = sim.run()
        // A trace that turned out unreadable mid-run (corrupt or truncated) is bad input, like a
        // scenario error: no result is written for it.
        if let bad = result.traces.first(where: { $0.error != nil }) {
            throw ConfigurationError("workload '\(bad.workload)': \(bad.error!)", about: .workload(bad.workload))
        }
        return RunOutcome(point: point, result: result, json: ResultJSON.make(point: point, result: result, command: command))
    }

    /// Runs points on up to `jobs` host threads; results come back in point order.
    /// `finished` sees each outcome as soon as its point is done (from the worker thread).
    public static func runAll(_ points: [RunPoint], jobs: Int, command: String? = nil, progress: (@Sendable (Int, Int) -> Void)? = nil,
                              finished: (@Sendable (Int, RunOutcome) -> Void)? = nil) -> [Result<RunOutcome, ConfigurationError>] {
        parallelMap(points.count, jobs: jobs, progress: progress) { i in
            do throws(ConfigurationError) {
                let outcome = try run(points[i], command: command)
                finished?(i, outcome)
                return .success(outcome)
            } catch { return .failure(error) }
        }
    }
}

/// Checks `expect:` bounds against a run's JSON.
public enum ExpectationCheck {
    public struct Outcome: Sendable {
        public var expectation: Expectation
        public var metric: String
        public var value: Double?
        public var passed: Bool
        public var message: String
    }

    /// The expectations of `run`'s scenario that apply to its point; `all` holds the other
    /// points of the same run, where `relative_to` finds its reference; without one the
    /// expectation fails if `requireReference` (`mksim check`), else it is skipped (`mksim run`
    /// of a single point).
    public static func check<R: PointResult>(_ run: R, among all: [R] = [], requireReference: Bool = false) -> [Outcome] {
        var out: [Outcome] = []
        for e in run.point.scenario.expectations {
            if let v = e.variant, v != run.point.variant { continue }
            if !e.at.allSatisfy({ want in run.point.params.contains { $0.key == want.key && $0.value == want.value } }) { continue }
            var reference: R?
            if let r = e.relativeTo {
                let mine = run.point.params.filter { $0.key != "variant" }
                reference = all.first { o in
                    o.point.variant == r && o.point.params.filter { $0.key != "variant" }.elementsEqual(mine) { $0.key == $1.key && $0.value == $1.value }
                }
                if reference == nil {
                    if requireReference {
                        out.append(Outcome(expectation: e, metric: e.metric, value: nil, passed: false,
                                           message: "\(e.metric): no run of variant '\(r)' at this point to compare with"))
                    }
                    continue
                }
            }
            let found = run.json.lookup(e.metric.split(separator: "."))
            if found.isEmpty {
                out.append(Outcome(expectation: e, metric: e.metric, value: nil, passed: false,
                                   message: "metric '\(e.metric)' is not in the results"))
                continue
            }
            for (path, v) in found {
                guard var x = v.doubleValue else {
                    out.append(Outcome(expectation: e, metric: path, value: nil, passed: false, message: "'\(path)' is not a number"))
                    continue
                }
                var shown = "\(path) = \(JSONValue.format(x, decimals: 3))"
                if let reference, let r = e.relativeTo {
                    guard let base = reference.json.lookup(path.split(separator: ".")).first?.1.doubleValue else {
                        out.append(Outcome(expectation: e, metric: path, value: nil, passed: false,
                                           message: "'\(path)' is not a number in variant '\(r)'"))
                        continue
                    }
                    let ratio = base == 0 ? (x == 0 ? 1 : .infinity) : x / base
                    shown += " vs \(JSONValue.format(base, decimals: 3)) in \(r): ratio \(JSONValue.format(ratio, decimals: 3))"
                    x = ratio
                }
                var ok = true
                var why: [String] = []
                if let lo = e.min, x < lo { ok = false; why.append("below min \(JSONValue.format(lo, decimals: 3))") }
                if let hi = e.max, x > hi { ok = false; why.append("above max \(JSONValue.format(hi, decimals: 3))") }
                out.append(Outcome(expectation: e, metric: path, value: x, passed: ok,
                                   message: shown + (ok ? "" : " (" + why.joined(separator: ", ") + ")")))
            }
        }
        // A run that stalled fails, unless the scenario expects it (an expectation on stalled_ns).
        if let stalled = run.json["stalled_ns"]?.doubleValue,
           !run.point.scenario.expectations.contains(where: { $0.metric == "stalled_ns" && ($0.variant == nil || $0.variant == run.point.variant) }) {
            // Tasks still waiting when it stalled, in the result's order.
            let waiting = (run.json["tasks"]?.objectPairs ?? []).flatMap { w, tasks in
                tasks.objectPairs.compactMap { i, t in t["waits_on"]?.stringValue.map { "\(w)[\(i)] waits on \($0)" } }
            }
            let first = waiting.first.map { ": \($0)" + (waiting.count > 1 ? " and \(waiting.count - 1) more" : "") } ?? ""
            out.append(Outcome(expectation: .implicit("stalled_ns"), metric: "stalled_ns", value: stalled, passed: false,
                               message: "stalled_ns = \(JSONValue.format(stalled, decimals: 3)): the run stalled\(first) (expect stalled_ns in the scenario if that is what it shows)"))
        }
        return out
    }
}

/// Writes files whole or not at all: a temporary file in the same folder, then a rename.
public enum AtomicFile {
    public static func write(_ text: String, to path: String) throws { try write(Data(text.utf8), to: path) }

    public static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)")
        TemporaryFiles.add(tmp.path)
        do { try data.write(to: tmp) } catch { TemporaryFiles.remove(tmp.path); throw error }
        if rename(tmp.path, url.path) != 0 {
            let err = errno
            TemporaryFiles.remove(tmp.path)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "cannot write \(path): \(String(cString: strerror(err)))"])
        }
        TemporaryFiles.forget(tmp.path)
    }
}
