import Foundation
import SimWorkloads

/// An output file written under a temporary name beside its final one and renamed when
/// complete (`commit`), so that the final name never holds a partial file; `discard`
/// removes the temporary file of a run that failed.
final class AtomicOutput {
    let path: String
    private let temporary: String
    private let handle: FileHandle

    init(path: String) throws {
        self.path = path
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent()
        temporary = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)").path
        guard FileManager.default.createFile(atPath: temporary, contents: nil), let h = FileHandle(forWritingAtPath: temporary) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "cannot write \(path): \(String(cString: strerror(errno)))"])
        }
        handle = h
        TemporaryFiles.add(temporary)
    }

    func write(_ bytes: [UInt8]) {
        if !bytes.isEmpty { handle.write(Data(bytes)) }
    }

    func commit() throws {
        try handle.close()
        if rename(temporary, path) != 0 {
            let err = errno
            discard()
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "cannot write \(path): \(String(cString: strerror(err)))"])
        }
        TemporaryFiles.forget(temporary)
    }

    func discard() {
        try? handle.close()
        TemporaryFiles.remove(temporary)
    }
}
