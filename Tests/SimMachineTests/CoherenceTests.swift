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
