import SimCPU

/// What `mksim trace info` reports: per-thread counts, instruction-class mix, footprint in
/// distinct lines and pages, and the lines more than one thread touches.
public struct TraceSummary: Sendable {
    public struct Thread: Sendable {
        public var tid: UInt64
        public var name: String
        public var records: UInt64 = 0
        public var instructions = [UInt64](repeating: 0, count: InstructionClass.allCases.count)
        public var loads: UInt64 = 0, stores: UInt64 = 0, modifies: UInt64 = 0, atomics: UInt64 = 0
        public var syncs: UInt64 = 0, syscalls: UInt64 = 0, fetches: UInt64 = 0
        public var busyPs: UInt64 = 0, sleepPs: UInt64 = 0
        public var lines = 0, pages = 0
    }
    public var threads: [Thread] = []
    public var lines = 0, pages = 0
    /// Lines touched by more than one thread, and how many of those some thread writes.
    public var sharedLines = 0, sharedWrittenLines = 0
    /// The most-accessed shared lines: address, accesses, threads, symbol.
    public var hotShared: [(address: UInt64, accesses: UInt64, threads: Int, symbol: String?)] = []

    public init(_ file: TraceFile, lineBytes: Int = 64, pageBytes: Int = 4096) throws(TraceError) {
        let lineShift = UInt64(lineBytes.trailingZeroBitCount), pageShift = UInt64(pageBytes.trailingZeroBitCount)
        // Per line: a bit per thread (the first 64; more count as "thread 63"), writes, accesses.
        var touched: [UInt64: (threads: UInt64, written: Bool, accesses: UInt64)] = [:]
        var allPages = Set<UInt64>()
        for (i, t) in file.header.threads.enumerated() {
            var s = Thread(tid: t.tid, name: t.name)
            var myLines = Set<UInt64>(), myPages = Set<UInt64>()
            let bit = UInt64(1) << UInt64(min(i, 63))
            let c = try file.cursor(thread: i)
            func touch(_ a: UInt64, _ size: UInt32, write: Bool) {
                let first = a >> lineShift, last = (a &+ UInt64(max(size, 1)) &- 1) >> lineShift
                // An access spans at most a few lines (a huge size in a hand-written trace counts its ends).
                for l in last > first && last - first > 64 ? [first, last] : Array(first...max(first, last)) {
                    myLines.insert(l)
                    myPages.insert((l << lineShift) >> pageShift)
                    var e = touched[l] ?? (0, false, 0)
                    e.threads |= bit
                    e.written = e.written || write
                    e.accesses &+= 1
                    touched[l] = e
                }
            }
            while let r = try c.next() {
                s.records &+= 1
                switch r {
                case .instructions(let k, let n): s.instructions[k.rawValue] &+= n
                case .fetch(let a): s.fetches &+= 1; touch(a, 1, write: false)
                case .load(let a, let z): s.loads &+= 1; touch(a, z, write: false)
                case .store(let a, let z): s.stores &+= 1; touch(a, z, write: true)
                case .modify(let a, let z): s.modifies &+= 1; touch(a, z, write: true)
                case .atomic(let a, let z): s.atomics &+= 1; touch(a, z, write: true)
                case .lock(let a), .unlock(let a): s.syncs &+= 1; touch(a, 4, write: true)
                case .barrier, .wait, .wake, .futexWait, .futexWake: s.syncs &+= 1
                case .syscall, .mmap, .munmap: s.syscalls &+= 1
                case .busy(let d): s.busyPs &+= d.raw
                case .sleep(let d): s.sleepPs &+= d.raw
                default: break
                }
            }
            s.lines = myLines.count
            s.pages = myPages.count
            allPages.formUnion(myPages)
            threads.append(s)
        }
        lines = touched.count
        pages = allPages.count
        var hot: [(UInt64, UInt64, Int)] = []
        for (l, e) in touched where e.threads & (e.threads - 1) != 0 {
            sharedLines += 1
            if e.written { sharedWrittenLines += 1 }
            hot.append((l << lineShift, e.accesses, e.threads.nonzeroBitCount))
        }
        hot.sort { ($0.1, $1.0) > ($1.1, $0.0) }
        hotShared = hot.prefix(10).map { h in
            let sym = file.header.symbols.first { h.0 + UInt64(lineBytes) > $0.address && h.0 < $0.address + max($0.size, 1) }
            return (h.0, h.1, h.2, sym?.name)
        }
    }

    /// The report as text.
    public func text(file: TraceFile) -> String {
        var out = "\(file.path): \(file.form.rawValue) trace" + (file.header.source.isEmpty ? "" : " (\(file.header.source))") + "\n"
        out += "threads: \(threads.count), footprint: \(lines) lines, \(pages) pages; shared lines: \(sharedLines) (\(sharedWrittenLines) written)\n"
        for t in threads {
            let insn = t.instructions.reduce(0, +)
            out += "thread \(t.tid) \(t.name): \(t.records) records, \(insn) instructions, \(t.fetches) code-line fetches, loads \(t.loads), stores \(t.stores), "
            out += "modifies \(t.modifies), atomics \(t.atomics), sync \(t.syncs), syscalls \(t.syscalls), \(t.lines) lines, \(t.pages) pages"
            if t.busyPs > 0 || t.sleepPs > 0 {
                out += ", busy \(TextTrace.format(.init(t.busyPs))), sleep \(TextTrace.format(.init(t.sleepPs)))"
            }
            out += "\n"
            if insn > 0 {
                let mix = InstructionClass.allCases.filter { t.instructions[$0.rawValue] > 0 }.map {
                    "\($0.name) \(String(format1: 100 * Double(t.instructions[$0.rawValue]) / Double(insn)))%"
                }
                out += "  mix: " + mix.joined(separator: ", ") + "\n"
            }
        }
        for h in hotShared {
            out += "shared line 0x\(String(h.address, radix: 16)): \(h.accesses) accesses by \(h.threads) threads" + (h.symbol.map { " (\($0))" } ?? "") + "\n"
        }
        return out
    }
}

extension String {
    /// One decimal place, without Foundation.
    init(format1 v: Double) {
        let r = (v * 10).rounded() / 10
        let whole = Int(r), tenth = Int(((r - Double(whole)) * 10).rounded())
        self = "\(whole).\(abs(tenth))"
    }
}
