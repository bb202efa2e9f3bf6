import CPrefetch

/// Every instance of one cache level (one per core, or one per LLC domain), set-associative
/// with LRU replacement by use stamps. A line's set is its id modulo the number of sets, as
/// consecutive addresses map to consecutive sets.
///
/// Storage is zero-filled on demand (`ZeroedStorage`) and the methods are non-mutating: the
/// hierarchy updates tags in place on every access without copy-on-write checks (they were
/// 9% of a coherence-heavy run), and a simulation that touches a few lines of a machine
/// with hundreds of megabytes of cache pays only for the pages it touches.
struct CacheArray: @unchecked Sendable {
    let instances: Int
    let sets: Int
    let ways: Int
    /// `sets - 1` when `sets` is a power of two (a mask instead of a division), else 0.
    let setMask: Int
    /// `instances × sets × ways` slots holding line id + 1 (0: empty).
    let tags: ZeroedStorage<Int32>
    /// When each slot was last used (0: empty), from `clock`.
    let stamps: ZeroedStorage<UInt64>
    /// Whether the slot's line is dirty (written and not yet written back): 0 or 1.
    let dirty: ZeroedStorage<UInt8>
    let clock: ZeroedStorage<UInt64>
    /// Where the sets are, without the storage objects.
    let locator: CacheSetLocator

    init(instances: Int, sizeBytes: UInt64, ways: Int, lineBytes: Int) {
        let lines = max(1, Int(sizeBytes / UInt64(max(1, lineBytes))))
        self.instances = max(1, instances)
        self.ways = max(1, min(ways, lines))
        sets = max(1, lines / self.ways)
        setMask = sets & (sets - 1) == 0 ? sets - 1 : 0
        let slots = self.instances * sets * self.ways
        tags = ZeroedStorage(count: slots)
        stamps = ZeroedStorage(count: slots)
        dirty = ZeroedStorage(count: slots)
        clock = ZeroedStorage(count: 1)
        locator = CacheSetLocator(tagBase: tags.base, stampBase: stamps.base, sets: sets, setMask: setMask, ways: self.ways)
    }

    @inline(__always) func base(_ instance: Int, _ line: LineID) -> Int { locator.base(instance, line) }

    @inline(__always) func tick() -> UInt64 {
        clock.base[0] &+= 1
        return clock.base[0]
    }

    // The loops below read the slots through the arrays' base pointers: `base(_:_:)` keeps
    // every index inside the instance's set, so the per-element bounds checks are redundant.

    @inline(__always) func find(_ b: Int, _ line: LineID) -> Int? {
        let t = tags.base, tag = line &+ 1
        for i in b..<(b + ways) where t[i] == tag { return i }
        return nil
    }

    /// Whether `line` is present; a hit makes it the most recently used of its set.
    @inline(__always)
    func touch(_ instance: Int, _ line: LineID) -> Bool {
        guard let i = find(base(instance, line), line) else { return false }
        stamps.base[i] = tick()
        return true
    }

    /// Whether `line` is present, without changing the replacement order.
    func contains(_ instance: Int, _ line: LineID) -> Bool { find(base(instance, line), line) != nil }

    /// Makes `line` present and most recently used. Returns the line it evicted (the least
    /// recently used of the set), with its dirty bit, or nil when a way was free or the line
    /// was already there.
    ///
    /// `allowed`: the ways a fill may take (bit w: way w), as Intel's Cache Allocation
    /// Technology and AMD's L3 QoS restrict a class of service; a line already present in
    /// any way is a hit. The set's least recently used allowed way is the victim.
    func insert(_ instance: Int, _ line: LineID, dirty makeDirty: Bool = false, allowed: UInt64 = .max) -> (line: LineID, dirty: Bool)? {
        let b = base(instance, line)
        let t = tags.base, st = stamps.base, d = dirty.base, tag = line &+ 1
        var victim = b
        var oldest = UInt64.max
        let everyWay = allowed == .max
        for i in b..<(b + ways) {
            if t[i] == tag {
                st[i] = tick()
                if makeDirty { d[i] = 1 }
                return nil
            }
            if st[i] < oldest && (everyWay || allowed >> UInt64(i - b) & 1 != 0) { victim = i; oldest = st[i] }
        }
        let evicted = t[victim] != 0 ? (t[victim] &- 1, d[victim] != 0) : nil
        t[victim] = tag
        st[victim] = tick()
        d[victim] = makeDirty ? 1 : 0
        return evicted
    }

    /// Drops `line` if present; returns whether it was there and dirty.
    @discardableResult
    func remove(_ instance: Int, _ line: LineID) -> (present: Bool, dirty: Bool) {
        guard let i = find(base(instance, line), line) else { return (false, false) }
        let wasDirty = dirty.base[i] != 0
        tags.base[i] = 0
        stamps.base[i] = 0
        dirty.base[i] = 0
        return (true, wasDirty)
    }
}


/// Where a cache array's sets lie: its geometry and the base addresses of its tags and use
/// stamps, without the storage objects that own them, so that copying it retains nothing
/// (`CoherenceDirectory.prefetch` reads one per private level on every parked access).
struct CacheSetLocator: @unchecked Sendable {
    let tagBase: UnsafeMutablePointer<Int32>
    let stampBase: UnsafeMutablePointer<UInt64>
    let sets: Int
    /// `sets - 1` when `sets` is a power of two (a mask instead of a division), else 0.
    let setMask: Int
    let ways: Int

    /// The first slot of the set `line` maps to in `instance`.
    @inline(__always) func base(_ instance: Int, _ line: LineID) -> Int {
        let set = setMask != 0 || sets == 1 ? Int(line) & setMask : Int(line) % sets
        return (instance * sets + set) * ways
    }

    /// Asks the host to start loading that set's tags and stamps.
    @inline(__always) func prefetchSet(_ instance: Int, _ line: LineID) {
        let b = base(instance, line)
        mksim_prefetch(tagBase + b)
        let stamps = UnsafeRawPointer(stampBase + b)
        var offset = 0
        while offset < ways * MemoryLayout<UInt64>.stride {
            mksim_prefetch(stamps + offset)
            offset += 64
        }
    }
}
