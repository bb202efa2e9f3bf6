/// The trace formats mksim reads, and conversion of any of them to the native binary form.
public enum TraceFormat: String, Sendable, CaseIterable {
    /// mksim's own (text or binary, told apart by the file's first bytes).
    case native
    /// valgrind --tool=lackey --trace-mem=yes [--trace-sched=yes]
    case lackey
    /// ftrace text (`cat trace`, `trace-cmd report`): sched_switch, sched_wakeup, sched_migrate_task.
    case ftrace
    /// `perf sched script` output.
    case perfSched = "perf-sched"
    /// rt-app JSON workload descriptions.
    case rtApp = "rt-app"
    /// QEMU TCG plugin `execlog` output.
    case execlog
}

/// Options an importer may need.
public struct ImportOptions: Sendable {
    /// The traced executable (lackey), for decoding instructions.
    public var executable: String?
    /// Load address of a position-independent executable.
    public var loadAddress: UInt64?
    /// lackey: each call of this function (its entry address in a loaded object) ends one
    /// workload-level operation (an `op` record), so that replay reports throughput.
    public var opAt: String?
    public init(executable: String? = nil, loadAddress: UInt64? = nil, opAt: String? = nil) {
        self.executable = executable; self.loadAddress = loadAddress; self.opAt = opAt
    }
}

public enum TraceImport {
    /// Converts `path` in `format` to the native binary form at `output`.
    public static func convert(_ path: String, format: TraceFormat, options: ImportOptions = ImportOptions(),
                               to output: String) throws(TraceError) -> ImportReport {
        if format == .native {
            let file = try TraceFile(path: path)
            let writer = try BinaryTraceWriter(path: output)
            writer.header.names = file.header.names
            writer.header.symbols = file.header.symbols
            writer.header.source = file.header.source
            var report = ImportReport()
            do throws(TraceError) {
                for t in file.header.threads { writer.addThread(TraceThread(tid: t.tid, name: t.name, spawned: t.spawned)) }
                if file.form == .text {
                    try TextTrace.forEachRecord(file) { (i, r) throws(TraceError) in
                        try writer.append(r, thread: i)
                        report.records &+= 1
                    }
                } else {
                    for i in file.header.threads.indices {
                        let c = try file.cursor(thread: i)
                        while let r = try c.next() { try writer.append(r, thread: i); report.records &+= 1 }
                    }
                }
                // Text cursors intern names as they read: take the full table.
                writer.header.names = file.header.names
                try writer.finish()
            } catch {
                writer.abandon()
                throw error
            }
            return report
        }
        let writer = try BinaryTraceWriter(path: output)
        do throws(TraceError) {
            let report: ImportReport
            switch format {
            case .native: fatalError("handled above")
            case .lackey:
                var elf: ELFImage?
                if let e = options.executable {
                    elf = try ELFImage(path: e)
                    // A PIE's load address: given, or read from the trace's --trace-symtab=yes lines.
                    if let bias = options.loadAddress { elf!.bias = bias }
                }
                var importer = LackeyImporter(executable: elf)
                importer.opAt = options.opAt
                report = try importer.run(path: path, into: writer)
            case .ftrace, .perfSched:
                report = try SchedTraceImporter(perf: format == .perfSched).run(path: path, into: writer)
            case .rtApp:
                report = try RtAppImporter().run(path: path, into: writer)
            case .execlog:
                report = try ExeclogImporter().run(path: path, into: writer)
            }
            try writer.finish()
            return report
        } catch {
            writer.abandon()
            throw error
        }
    }
}
