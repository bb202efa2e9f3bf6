import Foundation
import SimKernelModel
import SimReport
import SimScenario
import Testing

/// A server waiting on several URPC channels at once (a Barrelfish waitset, `kind: serve`).
@Suite struct WaitsetTests {
    @Test func aServerOnThreeChannelsAnswersEachClientOnItsOwn() throws {
        let text = """
        mksim: 1
        name: waitset
        machine: {preset: opteron-8x4}
        kernels:
          - {name: s, cpus: [0], memory: {size: 512MiB, node: 0}}
          - {name: a, cpus: [1], memory: {size: 512MiB, node: 0}}
          - {name: b, cpus: [4], memory: {size: 512MiB, node: 1}}
          - {name: c, cpus: [8], memory: {size: 512MiB, node: 2}}
        channels:
          - {name: sa, between: [a, s], transport: urpc}
          - {name: sb, between: [b, s], transport: urpc}
          - {name: sc, between: [c, s], transport: urpc}
        workloads:
          - {name: server, on: s, threads: 1, generate: {kind: serve, channels: [sa, sb, sc], user: 100 cycles, reply: true, iterations: 350}}
          - {name: fast, on: a, threads: 1, generate: {kind: messages, channel: sa, reply: true, iterations: 200}}
          - {name: slow, on: b, threads: 1, generate: {kind: messages, channel: sb, user: 4000 cycles, reply: true, iterations: 50}}
          - {name: late, on: c, threads: 1, generate: {kind: messages, channel: sc, reply: true, iterations: 100}}
        """
        let point = try #require(try ScenarioFile.parse(text, path: "waitset.yaml").points().first)
        let r = try Runner.run(point).result
        func ops(_ w: String) -> UInt64 { r.workloads.first { $0.name == w }!.ops }
        // Every client got every reply (a reply on the wrong channel would leave one waiting).
        #expect(ops("fast") == 200 && ops("slow") == 50 && ops("late") == 100)
        #expect(ops("server") == 350)
        for ch in ["sa", "sb", "sc"] {
            for c in r.channels where c.name == ch { #expect(c.sent == c.delivered, "\(ch) \(c.direction)") }
        }
        // The slow client's replies came while the others kept the server busy: its round
        // trips are its own think time's order, not the others' queue.
        let slow = r.workloads.first { $0.name == "slow" }!
        #expect(slow.latency.p50 < 4 * r.workloads.first { $0.name == "fast" }!.latency.p50)
    }

    @Test func aWaitsetNeedsPollingChannels() throws {
        let text = """
        mksim: 1
        machine: {preset: teaching-2s4c}
        kernels: [{name: s, cpus: [0]}, {name: a, cpus: [4]}]
        channels: [{name: x, between: [a, s], transport: linux}]
        workloads: [{name: server, on: s, threads: 1, generate: {kind: serve, channels: [x, y], reply: true}}]
        """
        let d = try ScenarioFile.parse(text, path: "bad.yaml").validate()
        #expect(d.contains { $0.path == "workloads[0].generate.channels[0]" && $0.message.contains("a waitset polls urpc") }, "\(d)")
        #expect(d.contains { $0.path == "workloads[0].generate.channels[1]" && $0.message.contains("no channel named 'y'") }, "\(d)")
    }
}
