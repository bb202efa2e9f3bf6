/// One cache (one instance of a level): sets of `ways` line ids kept in most-recently-used
/// order, so that LRU replacement is "drop the last way". A line's set is its id modulo the
/// number of sets, as consecutive addresses map to consecutive sets.
struct SetAssociativeCache: Sendable {
    let sets: Int
    let ways: Int
    /// `sets × ways` slots, set by set, MRU first; -1 is empty.
    var tags: [LineID]
    /// Whether the slot's line is dirty (written and not yet written back).
    var dirty: [Bool]

    init(sizeBytes: UInt64, ways: Int, lineBytes: Int) {
        let lines = max(1, Int(sizeBytes / UInt64(max(1, lineBytes))))
        self.ways = max(1, min(ways, lines))
        sets = max(1, lines / self.ways)
        tags = Array(repeating: -1, count: sets * self.ways)
        dirty = Array(repeating: false, count: sets * self.ways)
    }

    @inline(__always) func base(_ line: LineID) -> Int { Int(line) % sets * ways }

    /// Whether `line` is present; a hit makes it the most recently used of its set.
    mutating func touch(_ line: LineID) -> Bool {
        let b = base(line)
        for i in 0..<ways where tags[b + i] == line {
            promote(b, i)
            return true
        }
        return false
    }

    /// Whether `line` is present, without changing the replacement order.
    func contains(_ line: LineID) -> Bool {
        let b = base(line)
        for i in 0..<ways where tags[b + i] == line { return true }
        return false
    }

    /// Puts `line` first in its set (present or not). Returns the line it evicted, with its
    /// dirty bit, or nil when a way was free or the line was already there.
    mutating func insert(_ line: LineID, dirty makeDirty: Bool = false) -> (line: LineID, dirty: Bool)? {
        let b = base(line)
        for i in 0..<ways where tags[b + i] == line {
            promote(b, i)
            if makeDirty { dirty[b] = true }
            return nil
        }
        let last = b + ways - 1
        let victim = tags[last] >= 0 ? (tags[last], dirty[last]) : nil
        var i = ways - 1
        while i > 0 {
            tags[b + i] = tags[b + i - 1]
            dirty[b + i] = dirty[b + i - 1]
            i -= 1
        }
        tags[b] = line
        dirty[b] = makeDirty
        return victim
    }

    /// Drops `line` if present; returns whether it was there and dirty.
    @discardableResult
    mutating func remove(_ line: LineID) -> (present: Bool, dirty: Bool) {
        let b = base(line)
        for i in 0..<ways where tags[b + i] == line {
            let wasDirty = dirty[b + i]
            var j = i
            while j < ways - 1 {
                tags[b + j] = tags[b + j + 1]
                dirty[b + j] = dirty[b + j + 1]
                j += 1
            }
            tags[b + ways - 1] = -1
            dirty[b + ways - 1] = false
            return (true, wasDirty)
        }
        return (false, false)
    }

    @inline(__always) private mutating func promote(_ b: Int, _ i: Int) {
        guard i > 0 else { return }
        let line = tags[b + i], d = dirty[b + i]
        var j = i
        while j > 0 {
            tags[b + j] = tags[b + j - 1]
            dirty[b + j] = dirty[b + j - 1]
            j -= 1
        }
        tags[b] = line
        dirty[b] = d
    }
}
