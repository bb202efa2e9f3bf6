import SimMachine
import Testing

@Suite struct CoherenceTests {
    let m = MachinePresets.teaching2s4c
    func directory() -> CoherenceDirectory {
        CoherenceDirectory(topology: m.topology, spec: m.coherence, memory: m.memory, hitLatency: m.hitLatency, frequency: m.frequency)
    }

    @Test func mesiTransitionsAndLatencies() {
        var d = directory()
        let line = d.allocate(name: "x", home: 0)
        let t0 = Picoseconds(ns: 1000)
        // First read from memory on the home node: Exclusive.
        var out = d.access(line, cpu: 0, update: .none, now: t0)
        #expect(out.source == .memoryLocal)
        #expect(out.completion == t0 + m.memory.latencyLocal)
        #expect(d.state(of: line) == .exclusive)
        // Silent upgrade E -> M on a write hit.
        out = d.access(line, cpu: 0, update: .set(5), now: Picoseconds(ns: 2000))
        #expect(out.source == .hit)
        #expect(d.state(of: line) == .modified)
        // A reader on the same socket gets it from CPU 0's cache; both share it.
        out = d.access(line, cpu: 1, update: .none, now: Picoseconds(ns: 3000))
        #expect(out.source == .socket)
        #expect(out.oldValue == 5)
        #expect(out.completion == Picoseconds(ns: 3040))
        #expect(d.state(of: line) == .shared)
        #expect(d.sharerList(of: line) == [0, 1])
        // A writer on the other socket invalidates both.
        out = d.access(line, cpu: 4, update: .set(6), now: Picoseconds(ns: 4000))
        #expect(out.source == .remote)
        #expect(d.owner(of: line) == 4 && d.sharerList(of: line).isEmpty)
        // A read from a remote node's memory costs the remote latency.
        let far = d.allocate(name: "y", home: 1)
        out = d.access(far, cpu: 0, update: .none, now: Picoseconds(ns: 5000))
        #expect(out.source == .memoryRemote)
        #expect(out.completion == Picoseconds(ns: 5000) + m.memory.latencyRemote)
    }

    /// The report's counts: every access counts, only misses count as misses, and the CPUs
    /// that touched a line are those that accessed it, hits included (a hit records no
    /// toucher of its own: the CPU holding the line touched it when it missed).
    @Test func lineCountsAndTouchersFollowTheAccesses() {
        var d = directory()
        let line = d.allocate(name: "x", home: 0)
        var t = Picoseconds(ns: 100)
        for cpu in [0, 0, 5, 0, 5, 5] {
            t = d.access(line, cpu: cpu, update: .none, now: t).completion
        }
        _ = d.plainHit(line, cpu: 0, store: nil, now: t)
        #expect(d.counts(of: line).accesses == 7)
        #expect(d.counts(of: line).misses == 2)
        #expect(d.counts(of: line).remoteTransfers == 1)  // CPU 5 is on the other socket
        #expect(d.touchers(of: line) == [0, 5])
        #expect(d.lineCounts() == [d.counts(of: line)])
    }

    /// Lines are allocated while a run goes (a trace's pages on first touch): thousands of
    /// them keep their values and states as the directory grows.
    @Test func manyLinesKeepTheirState() {
        var d = directory()
        let lines = (0..<20_000).map { d.allocate(name: "l\($0)", home: $0 & 1, value: UInt64($0) * 3) }
        _ = d.access(lines[7], cpu: 2, update: .set(99), now: .zero)
        #expect(lines.indices.allSatisfy { $0 == 7 || d.peekValue(lines[$0]) == UInt64($0) * 3 })
        #expect(d.peekValue(lines[7]) == 99 && d.owner(of: lines[7]) == 2 && d.state(of: lines[7]) == .modified)
        #expect(d.lineCount == 20_000)
    }

    /// A line serves one transfer at a time: requests that arrive together queue.
    @Test func hotLineQueues() {
        var d = directory()
        let line = d.allocate(name: "hot", home: 0)
        _ = d.access(line, cpu: 0, update: .set(1), now: .zero)
        let now = Picoseconds(ns: 500)
        var completions: [Picoseconds] = []
        for cpu in 1...3 { completions.append(d.access(line, cpu: cpu, update: .add(1), now: now).completion) }
        let atomic = m.frequency.duration(cycles: m.coherence.atomicCycles)
        let step = Picoseconds(ns: 40) + atomic
        #expect(completions == [now + step, now + step + step, now + step + step + step])
        #expect(d.peekValue(line) == 4)
    }

    @Test func compareAndSwapFailsWithoutChangingTheValue() {
        var d = directory()
        let line = d.allocate(name: "cas", home: 0, value: 3)
        let fail = d.access(line, cpu: 0, update: .compareAndSwap(expected: 2, new: 9), now: .zero)
        #expect(!fail.succeeded && d.peekValue(line) == 3)
        let ok = d.access(line, cpu: 0, update: .compareAndSwap(expected: 3, new: 9), now: fail.completion)
        #expect(ok.succeeded && d.peekValue(line) == 9)
    }

    @Test func waitersWakeInOrderOnlyWhenTheValueChanges() {
        var d = directory()
        let line = d.allocate(name: "flag", home: 0)
        d.addWaiter(line, cpu: 2)
        d.addWaiter(line, cpu: 5)
        #expect(!d.access(line, cpu: 1, update: .set(0), now: .zero).hasWaiters)
        #expect(d.access(line, cpu: 1, update: .set(1), now: Picoseconds(ns: 100)).hasWaiters)
        #expect(d.popWaiter(line) == 2)
        #expect(d.popWaiter(line) == 5)
        #expect(d.popWaiter(line) == nil)
    }

    @Test func moesiOwnerKeepsServingDirtyLine() {
        var spec = m.coherence
        spec.protocolKind = .moesi
        var d = CoherenceDirectory(topology: m.topology, spec: spec, memory: m.memory, hitLatency: m.hitLatency, frequency: m.frequency)
        let line = d.allocate(name: "x", home: 0)
        _ = d.access(line, cpu: 0, update: .set(1), now: .zero)
        _ = d.access(line, cpu: 1, update: .none, now: Picoseconds(ns: 1000))
        #expect(d.state(of: line) == .owned && d.owner(of: line) == 0)
        let third = d.access(line, cpu: 5, update: .none, now: Picoseconds(ns: 2000))
        #expect(third.source == .remote)  // served by the owner on socket 0
    }
}

@Suite struct LocalAPICTests {
    @Test func highestVectorFirstAndRepeatsCoalesce() {
        var a = LocalAPICs(spec: MachinePresets.teaching2s4c.apic, topology: MachinePresets.teaching2s4c.topology)
        a.raise(cpu: 3, vector: 0x41)
        a.raise(cpu: 3, vector: 0xF0)
        a.raise(cpu: 3, vector: 0x41)  // already pending: one interrupt, as an IRR bit
        #expect(a.takeHighest(cpu: 3) == 0xF0)
        #expect(a.takeHighest(cpu: 3) == 0x41)
        #expect(a.takeHighest(cpu: 3) == nil)
        #expect(a.received[3] == 3)
    }

    @Test func deliveryLatencyByDistance() {
        let m = MachinePresets.teaching2s4c
        var a = LocalAPICs(spec: m.apic, topology: m.topology)
        #expect(a.send(from: 0, to: 1) == (m.apic.send, m.apic.deliverSocket))
        // teaching-2s4c is in xAPIC mode: a write to the other socket waits for acceptance.
        #expect(a.send(from: 0, to: 5) == (m.apic.send + m.apic.remoteAcceptWait, m.apic.deliverRemote))
        #expect(a.sent[0] == 2)
        var x2 = m.apic
        x2.mode = .x2apic
        var b = LocalAPICs(spec: x2, topology: m.topology)
        #expect(b.send(from: 0, to: 5).cost == m.apic.send)
    }
}

/// Coherence control packets on the socket links (`CoherenceSpec.packets`): on Barcelona's
/// broadcast snooping every miss sends a probe to every socket, and the answers come back
/// over the HyperTransport links; a directory asks only who has the line.
@Suite struct LinkMessageTests {
    static func machine(_ snoop: CoherenceSpec.Snoop, packets: Bool = true) -> CoherenceDirectory {
        var m = MachinePresets.opteron8x4
        m.coherence.snoop = snoop
        if !packets { m.coherence.packets = LinkPackets() }
        return CoherenceDirectory(topology: m.topology, spec: m.coherence, memory: m.memory, hitLatency: m.hitLatency, frequency: m.frequency)
    }

    /// CPU 0 writes `lines` lines homed on node 0; then CPUs 1..31 read at the same instant,
    /// all the first line (`oneLine`) or each its own. Returns the directory and the readers' completions.
    static func thirtyOneReaders(_ d: inout CoherenceDirectory, oneLine: Bool) -> [Picoseconds] {
        let lines = (0..<(oneLine ? 1 : 31)).map { d.allocate(name: "shared\($0)", home: 0) }
        var t = Picoseconds(ns: 100)
        for l in lines { t = d.access(l, cpu: 0, update: .set(1), now: t).completion }
        t += Picoseconds(ns: 10)
        return (1..<32).map { d.access(lines[oneLine ? 0 : $0 - 1], cpu: $0, update: .none, now: t).completion }
    }

    static func count(_ d: CoherenceDirectory, _ kind: LinkMessage) -> UInt64 { d.linkMessages.first { $0.0 == kind }!.1 }
    static func links(_ d: CoherenceDirectory, _ end: Picoseconds) -> [ServerStats] {
        d.serverStats(elapsed: end).filter { $0.name.hasPrefix("socket") }
    }

    @Test func thirtyOneReadersOfOneLineProbeEverySocket() {
        var b = Self.machine(.broadcast), dir = Self.machine(.directory)
        let broadcastDone = Self.thirtyOneReaders(&b, oneLine: true)
        _ = Self.thirtyOneReaders(&dir, oneLine: true)
        // CPU 0's write probed the 7 other sockets once (each answered: CPU 0 is on the home
        // socket). Then every read miss probes the 7 other sockets, and each probed socket
        // answers the reader unless it is the reader's own (3 readers share socket 0 with the
        // home, 28 do not).
        #expect(Self.count(b, .probe) == 7 + 31 * 7)
        #expect(Self.count(b, .probeResponse) == 7 + 3 * 7 + 28 * 6)
        #expect(Self.count(b, .request) == 28)
        // They are packets on the HyperTransport links (a probe crosses up to 2 of them).
        let packets = Self.links(b, broadcastDone.max()!).reduce(0) { $0 + $1.controlPackets }
        #expect(packets >= 28 + 32 * 7 + 7 + 3 * 7 + 28 * 6)
        #expect(Self.links(b, broadcastDone.max()!).contains { $0.controlPackets > 0 && $0.utilization > 0 })
        // The directory names the owner (on the home socket): only the requests cross.
        #expect(Self.count(dir, .probe) == 0 && Self.count(dir, .probeResponse) == 0)
        #expect(Self.count(dir, .request) == 28)
    }

    @Test func concurrentMissesQueueBehindEachOthersProbes() {
        // 31 readers of 31 lines at once: their probes and answers share the 24 link directions.
        var loaded = Self.machine(.broadcast), unloaded = Self.machine(.broadcast, packets: false), dir = Self.machine(.directory)
        let withPackets = Self.thirtyOneReaders(&loaded, oneLine: false).max()!
        let without = Self.thirtyOneReaders(&unloaded, oneLine: false).max()!
        let directory = Self.thirtyOneReaders(&dir, oneLine: false).max()!
        let waited = Self.links(loaded, withPackets).reduce(0) { $0 + $1.waitPs }
        let directoryWaited = Self.links(dir, directory).reduce(0) { $0 + $1.waitPs }
        #expect(waited > 0)
        #expect(waited > directoryWaited)
        // The queueing stretches the last reader beyond the probe round's fixed floor.
        #expect(withPackets > without)
    }
}
