import Foundation

/// A counter of finished items on standard error: rewritten in place (`\r`) on a terminal;
/// elsewhere (a CI log, a file) one line per tenth of the way, so that logs stay readable.
struct ProgressLine: Sendable {
    let unit: String
    let onTerminal = isatty(FileHandle.standardError.fileDescriptor) != 0

    func report(done: Int, total: Int) {
        if onTerminal {
            FileHandle.standardError.write(Data("\r[\(done)/\(total)] \(unit)".utf8))
            if done == total { FileHandle.standardError.write(Data("\n".utf8)) }
        } else if done == total || (total >= 10 && done % max(1, total / 10) == 0) {
            FileHandle.standardError.write(Data("[\(done)/\(total)] \(unit)\n".utf8))
        }
    }
}
