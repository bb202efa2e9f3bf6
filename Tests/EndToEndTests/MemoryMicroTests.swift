import Foundation
import SimReport
import SimScenario
import Testing

/// scenarios/micro/memory-latency.yaml and memory-bandwidth.yaml on the Cascade Lake preset,
/// against the MLC figures of shared/data/calibration/README.md.
@Suite struct MemoryMicroTests {
    /// workloads.W.throughput or latency p50 per (variant, sweep value).
    static func measure(_ file: String, _ key: String, _ value: (WorkloadResultValues) -> Double) throws -> [String: [Int: Double]] {
        var out: [String: [Int: Double]] = [:]
        for p in try ScenarioFile.load(path: Repo.path(file)).points() {
            let x = Int(p.params.first { $0.key == key }!.value)!
            let w = try Runner.run(p).result.workloads[0]
            out[p.variant!, default: [:]][x] = value(WorkloadResultValues(throughput: w.throughputPerSecond, p50: w.latency.p50))
        }
        return out
    }
    struct WorkloadResultValues { var throughput: Double; var p50: Double }

    static func within(_ x: Double, _ target: Double, _ tolerance: Double = 0.10) -> Bool { abs(x - target) / target <= tolerance }

    @Test func latencyByWorkingSetAndNode() throws {
        let lat = try Self.measure("scenarios/micro/memory-latency.yaml", "workloads.chase.generate.private_lines") { $0.p50 }
        for v in ["local", "remote"] {
            let l = lat[v]!
            // Each level is slower than the one above: L1d, L2, LLC, memory.
            #expect(l[256]! < l[8192]! && l[8192]! < l[131072]! && l[131072]! < l[524288]!, "\(v): \(l)")
        }
        // MLC idle latency on 2-socket Cascade Lake: 81 ns local, 130 ns remote.
        #expect(Self.within(lat["local"]![524288]!, 81), "\(lat)")
        #expect(Self.within(lat["remote"]![524288]!, 130), "\(lat)")
    }

    /// scenarios/micro/die-bandwidth.yaml: Rome's CCD-to-I/O-die link (32 B per fabric
    /// clock) caps what one CCD's streams draw; spread over the CCDs they draw more.
    @Test func oneDieSaturatesAtItsLink() throws {
        let gbps = try Self.measure("scenarios/micro/die-bandwidth.yaml", "workloads.stream.threads") { $0.throughput * 64 / 1e9 }
        let one = gbps["one-ccd"]!, spread = gbps["spread"]!
        #expect(Self.within(one[16]!, 46.944), "\(one)")
        #expect(one.values.allSatisfy { $0 <= 46.944 * 1.001 })
        #expect(one[16]! < 1.02 * one[8]!, "flat past the link: \(one)")
        #expect(spread[16]! > 1.9 * spread[8]! && spread[16]! > 1.6 * one[16]!, "\(spread)")
        // Below the link's bandwidth the two placements draw the same.
        #expect(abs(spread[4]! - one[4]!) < 0.01 * one[4]!)
    }

    @Test func bandwidthSaturatesRemoteFirst() throws {
        let gbps = try Self.measure("scenarios/micro/memory-bandwidth.yaml", "workloads.stream.threads") { $0.throughput * 64 / 1e9 }
        let local = gbps["local"]!, remote = gbps["remote"]!
        // MLC read bandwidth per socket: 122 GB/s local, 51 GB/s remote.
        #expect(Self.within(local[16]!, 122), "\(local)")
        #expect(Self.within(remote[16]!, 51), "\(remote)")
        // Below saturation, bandwidth grows with threads; remote flattens by 12 threads, local does not.
        #expect(local[2]! > 1.9 * local[1]! && local[8]! > 1.9 * local[4]!)
        #expect(remote[16]! < 1.02 * remote[12]!)
        #expect(local[16]! > 1.2 * local[12]!)
        // Never above the configured bandwidth.
        #expect(local.values.allSatisfy { $0 <= 122 * 1.001 } && remote.values.allSatisfy { $0 <= 51 * 1.001 })
    }
}
