import ArgumentParser
import Foundation
import SimWorkloads

struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Inspect traces; convert real traces to mksim's native format.",
        discussion: "Formats: docs/trace-format.md. Exit 0 on success, 2 for a trace that cannot be read.",
        subcommands: [TraceInfoCommand.self, TraceConvertCommand.self, TraceSynthCommand.self]
    )
}

extension TraceFormat: ExpressibleByArgument {}

struct TraceInfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Per-thread counts, instruction-class mix, footprint and shared lines of native traces."
    )

    @Argument(help: "Native traces (text or binary; .gz, .xz, .zst read through the system's tools).")
    var files: [String]

    @Option(help: "Cache line size for the footprint, in bytes.")
    var lineBytes = 64

    func run() throws {
        guard lineBytes > 0, lineBytes.nonzeroBitCount == 1 else {
            printError("--line-bytes: expected a power of two; got \(lineBytes)")
            throw ExitCode(Exit.badInput)
        }
        for f in files {
            do {
                let file = try TraceFile(path: f)
                let summary = try TraceSummary(file, lineBytes: lineBytes)
                print(summary.text(file: file), terminator: "")
            } catch {
                printError(error.description)
                throw ExitCode(Exit.badInput)
            }
        }
    }
}

struct TraceConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a trace (native, or another tool's) to the native text or binary form.",
        discussion: """
        Examples:
          mksim trace convert --from lackey --executable ./counter counter.lackey counter.mktrace
          mksim trace convert --from perf-sched perf-sched.txt run.mktrace
          mksim trace convert counter.mktrace counter.txt --to text
        """
    )

    @Argument(help: "The input trace.")
    var input: String
    @Argument(help: "The output file (written whole or not at all).")
    var output: String
    @Option(help: "Input format: \(TraceFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var from: TraceFormat = .native
    @Option(help: "Output form: binary or text.")
    var to: String = "binary"
    @Option(help: "lackey: the traced executable (static or non-PIE ELF; a PIE with --load-address, or traced with --trace-symtab=yes).")
    var executable: String?
    @Option(help: "lackey: load address of a position-independent executable (hex).")
    var loadAddress: String?
    @Option(help: "lackey: each call of this function ends one operation (throughput in replay), e.g. pthread_mutex_unlock.")
    var opAt: String?

    func run() throws {
        guard to == "binary" || to == "text" else {
            printError("--to: expected binary or text; got '\(to)'")
            throw ExitCode(Exit.badInput)
        }
        var options = ImportOptions(executable: executable, opAt: opAt)
        if let l = loadAddress {
            guard let v = UInt64(l.hasPrefix("0x") ? String(l.dropFirst(2)) : l, radix: 16) else {
                printError("--load-address: expected a hexadecimal address; got '\(l)'")
                throw ExitCode(Exit.badInput)
            }
            options.loadAddress = v
        }
        let report: ImportReport
        switch Result(catching: { () throws(TraceError) in try convert(options) }) {
        case .success(let r): report = r
        case .failure(let e):
            printError(e.description)
            throw ExitCode(Exit.badInput)
        }
        printError("\(output): " + report.summary)
    }

    private func convert(_ options: ImportOptions) throws(TraceError) -> ImportReport {
        if to == "binary" { return try TraceImport.convert(input, format: from, options: options, to: output) }
        let binary = output + ".bin-\(getpid())"
        TemporaryFiles.add(binary)
        defer { TemporaryFiles.remove(binary) }
        let report = try TraceImport.convert(input, format: from, options: options, to: binary)
        try TextTrace.write(TraceFile(path: binary), to: output)
        return report
    }
}

struct TraceSynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Write a synthetic binary trace (ALU runs and memory accesses), deterministic from the seed.",
        discussion: "For users without traces and for measuring replay: docs/PERFORMANCE.md makes a 1-GiB-class one."
    )

    @Argument(help: "The output file.")
    var output: String
    @Option(help: "Threads.") var threads = 4
    @Option(help: "Records per thread.") var records: UInt64 = 1_000_000
    @Option(help: "Private working set per thread, in KiB.") var privateKib: UInt64 = 4096
    @Option(help: "Shared working set, in KiB.") var sharedKib: UInt64 = 64
    @Option(help: "Share of accesses to the shared set (0-1).") var shared = 0.05
    @Option(help: "Share of accesses that write (0-1).") var writes = 0.3
    @Option(help: "Share of writes that are atomic (0-1).") var atomics = 0.01
    @Option(help: "Seed.") var seed: UInt64 = 1

    func run() throws {
        for (name, v) in [("--shared", shared), ("--writes", writes), ("--atomics", atomics)] where !(0...1).contains(v) {
            printError("\(name): expected a fraction from 0 to 1; got \(v)")
            throw ExitCode(Exit.badInput)
        }
        guard threads >= 1 && threads <= 4096, records >= 1, privateKib >= 1, sharedKib >= 1 else {
            printError("expected 1-4096 threads, and records and working sets of at least 1")
            throw ExitCode(Exit.badInput)
        }
        var s = TraceSynthesizer()
        s.threads = threads; s.recordsPerThread = records
        s.privateBytes = privateKib << 10; s.sharedBytes = sharedKib << 10
        s.sharedFraction = shared; s.writeFraction = writes; s.atomicFraction = atomics; s.seed = seed
        switch Result(catching: { () throws(TraceError) in try s.write(to: output) }) {
        case .success(let r): printError("\(output): \(r.summary)")
        case .failure(let e):
            printError(e.description)
            throw ExitCode(Exit.badInput)
        }
    }
}
