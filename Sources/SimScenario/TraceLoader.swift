import Foundation
import SimWorkloads

/// Opens the traces scenarios name, once per process: a native binary trace directly,
/// any other (text, another tool's format, compressed) converted first to a temporary
/// binary file, removed when the process exits. Sweep points share the opened file.
enum TraceLoader {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var cache: [String: TraceFile] = [:]
    nonisolated(unsafe) private static var temporaries: [String] = []
    nonisolated(unsafe) private static var cleanupRegistered = false

    static func open(path: String, format: TraceFormat, options: ImportOptions) throws(TraceError) -> TraceFile {
        let key = [path, format.rawValue, options.executable ?? "", options.loadAddress.map { String($0) } ?? "", options.opAt ?? ""]
            .joined(separator: "\u{0}")
        lock.lock()
        defer { lock.unlock() }
        if let f = cache[key] { return f }
        if format == .native && TraceFile.decompressor(for: path) == nil {
            let direct = try TraceFile(path: path)
            if direct.form == .binary {
                cache[key] = direct
                return direct
            }
        }
        let dir = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        let temporary = "\(dir)/mksim-\(getpid())-\(cache.count).mktrace"
        if !cleanupRegistered {
            cleanupRegistered = true
            atexit { TraceLoader.removeTemporaries() }
        }
        temporaries.append(temporary)
        TemporaryFiles.add(temporary)
        _ = try TraceImport.convert(path, format: format, options: options, to: temporary)
        let f = try TraceFile(path: temporary, shownAs: path + " (converted)")
        cache[key] = f
        return f
    }

    static func removeTemporaries() {
        for t in temporaries { TemporaryFiles.remove(t) }
    }
}
