import SimKernelModel

/// Where an item of a scenario is written: its mark and its key path (`workloads[2]`).
public struct ItemSource: Sendable {
    public var mark: SourceMark
    public var path: String
    /// Where each of the item's keys is written.
    public var keys: [String: SourceMark] = [:]
}

extension ReadScenario {
    /// A build-step error as a diagnostic at the item it is about (the top of the file when
    /// it names none).
    public func diagnostic(for error: ConfigurationError) -> Diagnostic {
        let source = error.subject.flatMap { sources[$0] }
        let keyMark = error.key.flatMap { source?.keys[$0] }
        let mark = keyMark ?? source?.mark
        let path = (source?.path).map { p in error.key.map { keyMark != nil ? p + "." + $0 : p } ?? p } ?? ""
        return Diagnostic(file: file, line: max(1, mark?.line ?? 1), column: max(1, mark?.column ?? 1), path: path, message: error.message)
    }
}

extension RunPoint {
    /// A build-step error of this point, saying which point it is: its sweep values and the
    /// `--set` overrides (a value from the command line has no place in the file to point at).
    public func diagnostic(for error: ConfigurationError) -> Diagnostic {
        var d = scenario.diagnostic(for: error)
        let sets = overrideValues.map { "--set \($0.key)=\($0.value)" }
        let sweep = sweepValues.map { "\($0.key)=\($0.value)" }
        var context: [String] = []
        if let variant { context.append("variant \(variant)") }
        if !sweep.isEmpty { context.append("sweep point " + sweep.joined(separator: ", ")) }
        if !sets.isEmpty { context.append("with " + sets.joined(separator: ", ")) }
        if !context.isEmpty { d.message += " (" + context.joined(separator: "; ") + ")" }
        return d
    }

    /// What the build step rejects in this point (nil: it builds). The build is the one
    /// place that checks how the parts fit together, so `validate` asks it rather than
    /// repeating its rules.
    public func buildProblem() -> Diagnostic? {
        do throws(ConfigurationError) {
            _ = try Simulation(scenario.config)
            return nil
        } catch {
            return scenario.diagnostic(for: error)
        }
    }
}
