import Foundation
import SimReport
import SimScenario
import Testing

/// scenarios/multikernel/urpc-latency.yaml and messaging.yaml: the transports against
/// Barrelfish's published figures, and conservation of messages and IPIs.
@Suite struct MessagingTests {
    static func run(_ file: String, overrides: [(String, String)] = []) throws -> [(RunPoint, RunOutcome)] {
        try ScenarioFile.load(path: Repo.path(file))
            .points(overrides: overrides.map { ($0.0, YNode.commandLine($0.1)) })
            .map { ($0, try Runner.run($0)) }
    }

    static func within(_ value: Double, _ reference: Double, _ tolerance: Double) -> Bool {
        abs(value / reference - 1) <= tolerance
    }

    /// Baumann et al., SOSP 2009, Table 2 (calibration README): one-way URPC latency 180
    /// cycles sharing a cache on the 2x4-core Intel, 618 cycles two hops apart on the 8x4-core
    /// AMD; 11.97 and 2.75 messages per 1,000 cycles. Only the stub cycles were set from the
    /// first figure; the AMD figures and both throughputs come out of the machine model.
    @Test func urpcMatchesBarrelfishTable2() throws {
        var cycles: [String: Double] = [:], perKilocycle: [String: Double] = [:]
        for (p, o) in try Self.run("scenarios/multikernel/urpc-latency.yaml") {
            let ghz = Double(p.scenario.config.machine.frequency.hertz) / 1e9
            let ab = o.result.channels.first { $0.direction == "a->b" }!
            cycles[p.variant!] = ab.latency.p50 * ghz
            perKilocycle[p.variant!] = o.result.workloads.first { $0.name == "pong" }!.throughputPerSecond / (ghz * 1e6)
        }
        #expect(Self.within(cycles["shared"]!, 180, 0.15), "\(cycles)")
        #expect(Self.within(cycles["amd-two-hop"]!, 618, 0.15), "\(cycles)")
        #expect(Self.within(perKilocycle["stream-shared"]!, 11.97, 0.15), "\(perKilocycle)")
        #expect(Self.within(perKilocycle["stream-amd-two-hop"]!, 2.75, 0.15), "\(perKilocycle)")
        // Structure: the front-side bus costs far more than a shared L2; on the Opteron every
        // miss waits for probes from all eight sockets, so even the shared-L3 case is slow.
        #expect(cycles["other-die"]! > 2 * cycles["shared"]!)
        #expect(cycles["amd-shared"]! > 2.5 * cycles["shared"]!)
        #expect(cycles["amd-two-hop"]! >= cycles["amd-one-hop"]!)
    }

    /// Every message sent is delivered or still published in its ring (read from the ring's
    /// simulated lines); every IPI addressed is in flight or arrived, and every arrival was
    /// taken, merged into a pending one, or is pending. Runs cut short leave some in flight.
    @Test func messagesAndIPIsAreConserved() throws {
        var leftInRing: UInt64 = 0, leftInFlight: UInt64 = 0, messages: UInt64 = 0
        for cut in [nil, "30us"] {
            for (p, o) in try Self.run("scenarios/multikernel/messaging.yaml", overrides: cut.map { [("duration", $0)] } ?? []) {
                let r = o.result
                for c in r.channels {
                    #expect(c.sent == c.delivered + c.inRing, "\(p.variant!) \(c.direction): \(c.sent) != \(c.delivered) + \(c.inRing)")
                    leftInRing += c.inRing
                    messages += c.delivered
                }
                let a = r.ipiAccounting
                #expect(a.targeted == a.arrived + a.inFlight, "\(p.variant!): \(a)")
                #expect(a.taken + a.coalesced + a.pending == a.arrived + a.reraised, "\(p.variant!): \(a)")
                leftInFlight += a.inFlight + a.pending
            }
        }
        #expect(messages > 10_000 && leftInRing > 0 && leftInFlight > 0, "cut runs must leave work behind: \(leftInRing) \(leftInFlight)")
    }

    /// A sender without `reply` or `every` keeps its CPU from one send to the next: an
    /// operation is its work and its send (never empty), and it sleeps only when it is done.
    @Test func aSenderWithoutReplyOrIntervalDoesNotSleep() throws {
        for (p, o) in try Self.run("scenarios/multikernel/messaging.yaml") {
            let send = try #require(o.result.workloads.first { $0.name == "send" })
            #expect(send.ops == 2000 && send.latency.p50 > 500, "\(p.variant!): \(send.latency.p50) ns")
            #expect(send.voluntarySwitches <= 4, "\(p.variant!): \(send.voluntarySwitches) sleeps")
        }
    }

    /// Popcorn splits a 1 KiB message into 19 one-line chunks (56-byte payloads), each with
    /// its own ticket; a message counts as sent and as in the ring only when whole.
    @Test func popcornChunksLargeMessages() throws {
        for cut in ["40us", "1s"] {
            let points = try ScenarioFile.load(path: Repo.path("scenarios/multikernel/messaging.yaml"))
                .points(overrides: [("workloads.send.generate.size", YNode.commandLine("1KiB")), ("duration", YNode.commandLine(cut))],
                        variant: "popcorn-near")
            let r = try Runner.run(points[0]).result
            let c = r.channels.first { $0.direction == "a->b" }!
            #expect(c.sent == c.delivered + c.inRing, "\(cut): \(c.sent) vs \(c.delivered) + \(c.inRing)")
            #expect(c.bytes == c.sent * 1024)
            #expect(c.ipis < c.sent * 19, "an IPI per chunk at most, fewer while the receiver drains")
            if cut == "1s" { #expect(c.delivered == 2000 && c.inRing == 0) }
        }
    }
}
