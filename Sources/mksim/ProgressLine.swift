import Foundation

/// Progress of finished items on standard error. On a terminal a bar rewritten in place
/// (`\r`) with the time left, estimated from the pace so far; elsewhere (a CI log, a file)
/// a plain line per tenth of the way, so that logs stay readable.
struct ProgressLine: Sendable {
    let unit: String
    let onTerminal = isatty(FileHandle.standardError.fileDescriptor) != 0
    let start = Date()

    func report(done: Int, total: Int) {
        if onTerminal {
            FileHandle.standardError.write(Data(("\r" + Self.bar(done: done, total: total, elapsed: -start.timeIntervalSinceNow, unit: unit)).utf8))
            if done == total { FileHandle.standardError.write(Data("\n".utf8)) }
        } else if done == total || (total >= 10 && done % max(1, total / 10) == 0) {
            FileHandle.standardError.write(Data("[\(done)/\(total)] \(unit)\n".utf8))
        }
    }

    /// `[#########...........] 9/20 points done, 1m05s left`.
    static func bar(done: Int, total: Int, elapsed: Double, unit: String, width: Int = 24) -> String {
        let filled = total == 0 ? width : width * done / total
        var text = "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] \(done)/\(total) \(unit)"
        if done > 0 && done < total {
            let left = elapsed / Double(done) * Double(total - done)
            text += ", " + duration(left) + " left"
        } else if done == total {
            text += " in " + duration(elapsed)
        }
        return text + "   "  // covers the tail of a longer earlier line
    }

    static func duration(_ s: Double) -> String {
        let t = Int(s.rounded())
        if t >= 3600 { return "\(t / 3600)h\(String(format: "%02d", t % 3600 / 60))m" }
        if t >= 60 { return "\(t / 60)m\(String(format: "%02d", t % 60))s" }
        return "\(max(t, 0))s"
    }
}
