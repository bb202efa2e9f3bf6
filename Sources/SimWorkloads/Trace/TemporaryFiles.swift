import Foundation

/// Files this process writes under temporary names (a trace being converted, a result
/// being written, a decompressed input). Each is registered when created and forgotten when
/// renamed or removed; an interrupted process (SIGINT, SIGTERM) removes what is left before
/// it exits, so no `.tmp-PID` file outlives a ^C.
public enum TemporaryFiles {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var paths: Set<String> = []
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

    public static func add(_ path: String) {
        lock.lock(); defer { lock.unlock() }
        paths.insert(path)
    }

    /// The file got its final name (or is someone else's now): nothing to remove.
    public static func forget(_ path: String) {
        lock.lock(); defer { lock.unlock() }
        paths.remove(path)
    }

    /// Removes the file and forgets it.
    public static func remove(_ path: String) {
        unlink(path)
        forget(path)
    }

    /// Files registered and not yet renamed or removed.
    public static var pending: [String] {
        lock.lock(); defer { lock.unlock() }
        return paths.sorted()
    }

    /// On SIGINT or SIGTERM: remove every registered file, then exit with 128 + the signal,
    /// as the shell reports a process the signal killed. A signal the process was started
    /// with ignored (a background job's SIGINT) stays ignored.
    public static func removeOnInterrupt() {
        for sig in [SIGINT, SIGTERM] {
            let previous = signal(sig, SIG_IGN)
            if let previous, unsafeBitCast(previous, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self) { continue }
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                lock.lock()
                for p in paths { unlink(p) }
                paths.removeAll()
                lock.unlock()
                exit(128 + sig)
            }
            source.resume()
            sources.append(source)
        }
    }
}
