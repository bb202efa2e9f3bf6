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
