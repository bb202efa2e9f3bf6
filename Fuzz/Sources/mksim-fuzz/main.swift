// One fuzzing entry for every reader of user input; FUZZ_TARGET picks which (docs/fuzzing.md).
// Every input must end in a result or a diagnostic: a trap, a crash or an ASan report is a bug.
import Foundation
@testable import SimScenario
@testable import SimWorkloads

/// The reader under test, from the environment once.
let target: String = ProcessInfo.processInfo.environment["FUZZ_TARGET"] ?? ""
let scratch = "/dev/shm/mksim-fuzz-\(getpid())"
let input = scratch + "-in", output = scratch + "-out.mktrace"

func traceFormat(_ name: String) -> TraceFormat? {
    switch name {
    case "native-text", "native-binary": return .native
    default: return TraceFormat(rawValue: name)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = Data(bytes: data, count: count)
    switch target {
    case "scenario":
        // The scenario reader: YAML structure and values, variants, sweeps, every point read.
        let text = String(decoding: bytes, as: UTF8.self)
        if let file = try? ScenarioFile.parse(text, path: "/dev/shm/fuzz.yaml") { _ = try? file.points() }
    case "profile":
        FileManager.default.createFile(atPath: input, contents: bytes)
        _ = ProfileReader.load(path: input, into: Checker(file: input))
    default:
        guard let format = traceFormat(target) else {
            fputs("FUZZ_TARGET must be one of: scenario, profile, lackey, ftrace, perf-sched, rt-app, execlog, native-text, native-binary\n", stderr)
            exit(2)
        }
        FileManager.default.createFile(atPath: input, contents: bytes)
        // Import (or re-encode), then read every record back, as a replay would.
        if (try? TraceImport.convert(input, format: format, to: output)) != nil, let file = try? TraceFile(path: output) {
            for i in file.header.threads.indices {
                guard let c = try? file.cursor(thread: i) else { break }
                while let r = try? c.next(), r != nil {}
            }
        }
        unlink(output)
    }
    return 0
}
