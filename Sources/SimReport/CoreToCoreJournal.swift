import Foundation

/// The pairs a `c2c` run has measured so far, one line each, appended as they finish:
/// what an interrupted run leaves behind and `mksim c2c --resume` continues from. Its first
/// line names what was being measured, so that a resume of something else is refused.
public final class CoreToCoreJournal: @unchecked Sendable {
    public let path: String
    private let handle: FileHandle
    private let lock = NSLock()

    public struct Problem: Error, CustomStringConvertible { public var description: String }

    /// Pairs of the journal at `path` (none when there is no file); refused when its first
    /// line is not `header`.
    public static func measured(at path: String, header: String) throws(Problem) -> [(Int, Int, Double)] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.first.map(String.init) == header else {
            throw Problem(description: "\(path) was left by a c2c run of something else (\(lines.first ?? "")); this run is \(header). Remove it or run without --resume")
        }
        var out: [(Int, Int, Double)] = []
        // A line cut short by the interruption is not a measurement: only whole lines count.
        for line in lines.dropFirst().dropLast() {
            let f = line.split(separator: ",")
            guard f.count == 3, let i = Int(f[0]), let j = Int(f[1]), let v = Double(f[2]) else {
                throw Problem(description: "\(path): not a c2c journal line: '\(line)'")
            }
            out.append((i, j, v))
        }
        return out
    }

    /// Starts a journal (`fresh`) or continues one.
    public init(path: String, header: String, fresh: Bool) throws(Problem) {
        self.path = path
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent()
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        if fresh || !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: Data((header + "\n").utf8)) else {
                throw Problem(description: "cannot write \(path): \(String(cString: strerror(errno)))")
            }
        }
        guard let h = FileHandle(forWritingAtPath: path) else { throw Problem(description: "cannot write \(path): \(String(cString: strerror(errno)))") }
        h.seekToEndOfFile()
        handle = h
    }

    /// Records one pair; called from the measuring threads.
    public func append(_ i: Int, _ j: Int, _ ns: Double) {
        let line = "\(i),\(j),\(JSONValue.format(ns, decimals: 6))\n"
        lock.lock(); defer { lock.unlock() }
        handle.write(Data(line.utf8))
    }

    /// The matrix is written: the journal has served.
    public func finish() {
        try? handle.close()
        unlink(path)
    }
}
