import Foundation
import SimKernelModel
import SimReport
import SimScenario
import Testing

/// Stores retire into the core's store buffer and drain in order; a fence waits for the
/// drain; a full buffer stalls the next store; the core's own loads are forwarded from it.
/// The preset's store buffer is off unless a scenario turns it on (docs/model.md).
/// One thread on xeon-gold-6242-2s (56 entries, 81 ns local memory) stores to lines nobody
/// has cached, so that each store's access is a memory miss of known latency.
@Suite struct StoreBufferTests {
    /// Runs one thread whose records are `body` (an `op` record ends the measured span: its
    /// latency is from the thread's start to it), the preset's buffer on (56 entries) or as
    /// `storeBuffer` says (`off`, a number of entries).
    static func run(_ body: [String], storeBuffer: String = "on") throws -> SimulationResult {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mksim-sb-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let trace = (["mksim-trace 1", "thread 1 producer", "@1"] + body + ["exit"]).joined(separator: "\n") + "\n"
        try trace.write(to: dir.appendingPathComponent("t.trace"), atomically: true, encoding: .utf8)
        let machine = "{preset: xeon-gold-6242-2s, store_buffer: \(storeBuffer)}"
        try """
        mksim: 1
        name: store-buffer
        machine: \(machine)
        kernels: [{name: k, cpus: 0-3}]
        workloads: [{name: w, on: k, trace: {path: t.trace, format: native}}]
        """.write(to: dir.appendingPathComponent("s.yaml"), atomically: true, encoding: .utf8)
        let point = try ScenarioFile.load(path: dir.appendingPathComponent("s.yaml").path).points()[0]
        return try Runner.run(point).result
    }

    /// `n` stores to distinct lines, 4 KiB apart (distinct sets too), none cached anywhere.
    static func coldStores(_ n: Int) -> [String] { (0..<n).map { "store 0x\(String(0x100000 + $0 * 4096, radix: 16)) 8" } }

    static func opLatencyNs(_ r: SimulationResult) -> Double { r.workloads[0].latency.max }

    @Test func storesRetireIntoTheBufferUntilItIsFull() throws {
        let memory = 81.0  // ns, the preset's local memory latency: each store's miss
        // 8 misses retire at a cycle each: the core does not wait for any of them.
        let buffered = try Self.run(Self.coldStores(8) + ["op"])
        #expect(Self.opLatencyNs(buffered) < 10, "8 buffered stores took \(Self.opLatencyNs(buffered)) ns")
        #expect(buffered.storeBuffer?.stores == 8 && buffered.storeBuffer?.fullStalls == 0)
        // Without a buffer each holds the core for its miss.
        let unbuffered = try Self.run(Self.coldStores(8) + ["op"], storeBuffer: "off")
        #expect(abs(Self.opLatencyNs(unbuffered) - 8 * memory) < 8 * memory * 0.1, "\(Self.opLatencyNs(unbuffered)) ns")
        #expect(unbuffered.storeBuffer == nil)
        // 60 stores into 56 entries: the 57th waits for the oldest to drain, and so on: the
        // core waits about 4-5 misses (the buffer drains one miss at a time).
        let full = try Self.run(Self.coldStores(60) + ["op"])
        let waited = Self.opLatencyNs(full)
        #expect(waited > 3.5 * memory && waited < 5.5 * memory, "60 stores into 56 entries: \(waited) ns")
        #expect(full.storeBuffer?.fullStalls == 4)
        // A smaller buffer (8 entries) fills sooner.
        let small = try Self.run(Self.coldStores(16) + ["op"], storeBuffer: "8")
        #expect(small.storeBuffer?.entries == 8 && small.storeBuffer?.fullStalls == 8)
    }

    @Test func aFenceWaitsForTheDrain() throws {
        let memory = 81.0
        let fenced = try Self.run(Self.coldStores(8) + ["fence", "op"])
        let t = Self.opLatencyNs(fenced)
        // The 8 misses drain one after another; the fence returns after the last.
        #expect(t > 7.5 * memory && t < 9 * memory, "8 stores and a fence: \(t) ns")
        #expect(fenced.storeBuffer?.drainWaits == 1)
        // A locked operation drains the buffer the same way.
        let locked = try Self.run(Self.coldStores(8) + ["atomic 0x200000 8", "op"])
        #expect(Self.opLatencyNs(locked) > 8 * memory, "\(Self.opLatencyNs(locked)) ns")
    }

    @Test func theCoresOwnLoadTakesTheBufferedValue() throws {
        let r = try Self.run(Self.coldStores(1) + ["load 0x100000 8", "op"])
        #expect(r.storeBuffer?.forwarded == 1)
        #expect(Self.opLatencyNs(r) < 10, "a forwarded load does not wait for the miss: \(Self.opLatencyNs(r)) ns")
        // The store still reached the caches: one access, a miss to memory.
        #expect(r.memoryAccesses == 1)
    }

    @Test func sameInputsGiveTheSameResult() throws {
        let body = Self.coldStores(70) + ["fence", "load 0x100000 8", "op"]
        let a = try Self.run(body), b = try Self.run(body)
        #expect(Self.opLatencyNs(a) == Self.opLatencyNs(b) && a.storeBuffer?.fullStalls == b.storeBuffer?.fullStalls)
    }
}
