import SimMachine
import Testing

@Suite struct EventQueueTests {
    @Test func popsInTimeOrder() {
        var q = EventQueue()
        var rng = SystemRandomNumberGenerator()
        var times: [UInt64] = []
        for i in 0..<5_000 {
            let t = UInt64.random(in: 0..<1_000, using: &rng)
            times.append(t)
            q.push(at: Picoseconds(t), target: Int32(i), kind: 0)
            #expect(q.checkInvariants())
        }
        var last: UInt64 = 0
        var popped = 0
        while let e = q.popMin() {
            #expect(e.time.raw >= last)
            last = e.time.raw
            popped += 1
        }
        #expect(popped == times.count)
        #expect(q.isEmpty)
    }

    @Test func equalTimesFireInInsertionOrder() {
        var q = EventQueue()
        for i in 0..<1_000 { q.push(at: Picoseconds(i % 3 == 0 ? 10 : 20), target: Int32(i), kind: 0) }
        var order: [Int32] = []
        while let e = q.popMin() { order.append(e.target) }
        let expected = (0..<1_000).filter { $0 % 3 == 0 }.map(Int32.init) + (0..<1_000).filter { $0 % 3 != 0 }.map(Int32.init)
        #expect(order == expected)
    }

    /// Pushing from a handler (the root slot reuse) keeps the same order as a plain heap would.
    @Test func pushAfterPopMatchesReferenceOrder() {
        var q = EventQueue()
        var reference: [(UInt64, UInt64)] = []  // (time, sequence)
        var seq: UInt64 = 0
        var rng = SplitMix(state: 42)
        for _ in 0..<64 {
            let t = rng.next() % 100
            q.push(at: Picoseconds(t), target: 0, kind: 0, payload: seq)
            reference.append((t, seq)); seq += 1
        }
        for _ in 0..<10_000 {
            let e = q.popMin()!
            reference.sort { $0 < $1 }
            let want = reference.removeFirst()
            #expect(e.time.raw == want.0 && e.payload == want.1)
            // Handlers schedule zero, one or two events.
            for _ in 0..<Int(rng.next() % 3) {
                let t = e.time.raw + rng.next() % 50
                q.push(at: Picoseconds(t), target: 0, kind: 0, payload: seq)
                reference.append((t, seq)); seq += 1
            }
            #expect(q.checkInvariants())
            if q.isEmpty { break }
        }
        #expect(q.count == reference.count)
    }

    /// Mostly-ascending schedules (the sorted run) mixed with earlier ones (the heap), with
    /// the run's ring buffer wrapping and growing while wrapped: the pop order (`popMin` and
    /// the engine's `popMin(notAfter:)`), `peekTime`, `count` and `count(kind:)` all match a
    /// plain sorted reference.
    @Test func sortedRunAndHeapTogetherMatchReferenceOrder() {
        var q = EventQueue()
        var reference: [(time: UInt64, seq: UInt64, kind: UInt16)] = []
        var seq: UInt64 = 0
        var rng = SplitMix(state: 7)
        var now: UInt64 = 0
        func push(_ t: UInt64) {
            let kind = UInt16(rng.next() % 3)
            q.push(at: Picoseconds(t), target: 0, kind: kind, payload: seq)
            reference.append((t, seq, kind)); seq += 1
        }
        for round in 0..<40 {
            // A phase of pushes at or after everything pending, then a phase of pops with
            // handlers that mostly schedule ahead and sometimes before the latest pending.
            let latest = reference.map(\.time).max() ?? now
            for k in 0..<Int(rng.next() % 150) { push(latest + UInt64(k) * (rng.next() % 4)) }
            for _ in 0..<Int(rng.next() % 120) {
                reference.sort { ($0.time, $0.seq) < ($1.time, $1.seq) }
                #expect(q.peekTime()?.raw == reference.first?.time)
                guard let due = reference.first?.time else { #expect(q.popMin() == nil); break }
                // The engine's pop: nothing before the earliest event's time, it at that time.
                if due > 0 { #expect(q.popMin(notAfter: Picoseconds(due - 1)) == nil) }
                guard let e = rng.next() % 2 == 0 ? q.popMin() : q.popMin(notAfter: Picoseconds(due)) else {
                    Issue.record("an event is pending at \(due) but none came out"); break
                }
                let want = reference.removeFirst()
                #expect(e.time.raw == want.time && e.payload == want.seq)
                now = e.time.raw
                let farthest = reference.map(\.time).max() ?? now
                if rng.next() % 4 == 0 {
                    push(now + rng.next() % 20)  // may land before the latest pending
                } else {
                    push(Swift.max(now, farthest) + rng.next() % 20)
                }
            }
            #expect(q.checkInvariants())
            #expect(q.count == reference.count)
            for kind in UInt16(0)..<3 {
                #expect(q.count(kind: kind) == reference.filter { $0.kind == kind }.count)
            }
            if round == 20 {
                q.removeAll()
                reference.removeAll()
                #expect(q.isEmpty && q.peekTime() == nil)
            }
        }
        while let e = q.popMin() {
            reference.sort { ($0.time, $0.seq) < ($1.time, $1.seq) }
            let want = reference.removeFirst()
            #expect(e.time.raw == want.time && e.payload == want.seq)
        }
        #expect(reference.isEmpty)
    }

    @Test func frequencyConvertsCyclesExactly() {
        let f = Frequency(gigahertz: 2.8)
        #expect(f.duration(cycles: 28) == Picoseconds(10_000))
        #expect(f.duration(cycles: 18).raw == 6_429)  // 6.428571 ns rounded to the picosecond
        #expect(Frequency(gigahertz: 2).duration(cycles: 1) == Picoseconds(500))
    }
}

struct SplitMix {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
