import SimCPU

/// Writes synthetic native traces, deterministic from the seed: each thread alternates a
/// run of ALU instructions with one memory access, private or shared, load, store or
/// atomic. For users without traces, and for measuring trace replay on large inputs.
public struct TraceSynthesizer: Sendable {
    public var threads = 4
    /// Records per thread (an instruction run and an access are two).
    public var recordsPerThread: UInt64 = 1_000_000
    /// Bytes each thread touches privately; shared bytes all threads touch.
    public var privateBytes: UInt64 = 4 << 20
    public var sharedBytes: UInt64 = 64 << 10
    public var sharedFraction = 0.05
    public var writeFraction = 0.3
    public var atomicFraction = 0.01
    public var seed: UInt64 = 1
    public init() {}

    public func write(to path: String) throws(TraceError) -> ImportReport {
        let writer = try BinaryTraceWriter(path: path)
        writer.header.source = "mksim trace synth (seed \(seed))"
        var report = ImportReport()
        let privateLines = max(1, privateBytes / 64), sharedLines = max(1, sharedBytes / 64)
        let sharedBase: UInt64 = 0x1000_0000
        do throws(TraceError) {
            for t in 0..<threads { writer.addThread(TraceThread(tid: UInt64(t + 1), name: "synth\(t)")) }
            // Thread by thread: each stream is its own block sequence, so the order does not matter to readers.
            for t in 0..<threads {
                var rng = SplitMix64(seed: seed, stream: [0x7379_6E74, UInt64(t)])
                let privateBase = 0x4000_0000 + UInt64(t) << 32
                var n: UInt64 = 0
                while n < recordsPerThread {
                    try writer.append(.instructions(.alu, count: 1 + rng.below(8)), thread: t)
                    n += 1
                    guard n < recordsPerThread else { break }
                    let shared = rng.unit() < sharedFraction
                    let a = shared ? sharedBase + rng.below(sharedLines) * 64 : privateBase + rng.below(privateLines) * 64
                    let r: TraceRecord
                    if rng.unit() < writeFraction {
                        r = rng.unit() < atomicFraction ? .atomic(address: a, size: 8) : .store(address: a, size: 8)
                    } else {
                        r = .load(address: a, size: 8)
                    }
                    try writer.append(r, thread: t)
                    n += 1
                }
                try writer.append(.exit, thread: t)
                report.records += n + 1
            }
            try writer.finish()
        } catch {
            writer.abandon()
            throw error
        }
        return report
    }
}
