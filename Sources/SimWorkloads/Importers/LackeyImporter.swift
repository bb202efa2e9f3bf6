import SimCPU

/// Reads valgrind lackey's `--trace-mem=yes` output (`I`, ` L`, ` S`, ` M` records), with
/// `--trace-sched=yes` lines splitting it into threads. With the traced executable, each
/// instruction's bytes are decoded with Capstone into its class, so that `M` records of
/// locked instructions become atomics.
///
///     valgrind --tool=lackey --trace-mem=yes --trace-sched=yes --trace-syscalls=yes --log-file=t.lackey ./prog
///
/// With `--trace-syscalls=yes` the system calls become `syscall` records (names without
/// `sys_`, first three arguments) and each thread-creating clone a `spawn` of its child in
/// the calling thread's stream (children numbered as valgrind numbers them: the lowest
/// free thread slot). Without it, a new thread is taken to be spawned by the one that ran
/// before it.
public struct LackeyImporter {
    static let syscallPrefix = Array("SYSCALL[".utf8)
    static let objectStart = Array("------ start ELF OBJECT".utf8)
    public var executable: ELFImage?

    /// Each entry into this function ends one operation (an `op` record before it).
    public var opAt: String?
    public init(executable: ELFImage?) { self.executable = executable }

    public func run(path: String, into writer: BinaryTraceWriter) throws(TraceError) -> ImportReport {
        var report = ImportReport()
        var decode = try InstructionClassifier(executable: executable)
        let lines = try TextTrace.LineReader(input: path)

        var threadOf: [UInt64: Int] = [:]
        func thread(_ tid: UInt64, spawned: Bool) -> Int {
            if let i = threadOf[tid] { return i }
            let i = writer.addThread(TraceThread(tid: tid, name: tid == 1 ? "main" : "thread\(tid)", spawned: spawned))
            threadOf[tid] = i
            return i
        }
        // --op-at: the function's entry addresses in the objects known so far.
        var opEntries: Set<UInt64> = [], opImages = -1, opsMarked = 0
        var current = -1
        /// Per thread: the 64-byte code line its last instruction came from.
        var lastFetch: [UInt64] = []
        var pendingClass = InstructionClass.alu
        var pending: UInt64 = 0
        var lastClass = InstructionClass.alu
        func emit(_ r: TraceRecord) throws(TraceError) {
            if current < 0 { current = thread(1, spawned: false) }
            try writer.append(r, thread: current)
            report.records &+= 1
        }
        func flush() throws(TraceError) {
            if pending > 0 { try emit(.instructions(pendingClass, count: pending)); pending = 0 }
        }
        func fail(_ what: String) -> TraceError { TraceError(file: path, line: lines.lineNumber, what) }
        // valgrind numbers threads by the lowest free slot: a clone's child gets the lowest tid not alive.
        var alive: Set<UInt64> = [1]
        var clearChildTid: [UInt64: UInt64] = [:]
        // FUTEX_WAITs and FUTEX_WAKEs valgrind ran [async], by thread: their address, until
        // the completion line says how they ended (a wait woken: a wait; ETIMEDOUT or EAGAIN: a
        // call that did not wait; a wake: how many it woke).
        var pendingFutex: [UInt64: (address: UInt64, wake: Bool)] = [:]
        var futexTimedOut: UInt64 = 0, futexUnfinished: UInt64 = 0
        func schedLine(_ text: String) throws(TraceError) {
            guard let r = text.range(of: "SCHED["), let close = text[r.upperBound...].firstIndex(of: "]"),
                  let tid = UInt64(text[r.upperBound..<close]) else { return }
            if text.contains("acquired lock") {
                try flush()
                let isNew = threadOf[tid] == nil
                let t = thread(tid, spawned: tid != 1)
                // Without --trace-syscalls the parent is unknown: the thread that ran last is taken.
                if isNew && tid != 1 && current >= 0 { try emit(.spawn(thread: UInt32(t))) }
                alive.insert(tid)
                current = t
            } else if text.contains("VG_(exit_thread)") {
                try flush()
                current = thread(tid, spawned: tid != 1)
                if let a = clearChildTid.removeValue(forKey: tid) { try emit(.futexWake(address: a, count: 1)) }
                try emit(.exit)
                alive.remove(tid)
            }
        }
        func syscall(_ text: String) throws(TraceError) {
            guard let open = text.firstIndex(of: "["), let comma = text[open...].firstIndex(of: ","),
                  let close = text[comma...].firstIndex(of: "]"), let tid = UInt64(text[text.index(after: comma)..<close]),
                  let paren = text[close...].firstIndex(of: ")") else {
                throw fail("expected a valgrind syscall line: 'SYSCALL[pid,tid](nr) name ( args ) --> result'")
            }
            var rest = text[text.index(after: paren)...].drop { $0 == " " }
            if rest.hasPrefix("...") {
                // The completion of an [async] call: a pending futex wait learns how it ended
                // (the thread did nothing in between, so its stream is where it blocked).
                guard let (address, wake) = pendingFutex.removeValue(forKey: tid) else { return }
                try flush()
                current = thread(tid, spawned: tid != 1)
                let woken = text.range(of: "Success(0x").flatMap { r in UInt64(text[r.upperBound...].prefix { $0.isHexDigit }, radix: 16) }
                if wake {
                    if let woken, woken > 0 {
                        try emit(.futexWake(address: address, count: UInt32(clamping: woken)))
                    } else {
                        try emit(.syscall(name: writer.header.intern("futex"), args: SyscallArguments([address])))
                    }
                } else if text.contains("Success") {
                    try emit(.futexWait(address: address))
                } else {
                    if text.contains("Failure(0x6e)") { futexTimedOut += 1 }  // ETIMEDOUT: it slept its timeout, nobody woke it
                    try emit(.syscall(name: writer.header.intern("futex"), args: SyscallArguments([address])))
                }
                return
            }
            var name = String(rest.prefix { $0 != " " && $0 != "(" })
            rest = rest.dropFirst(name.count)
            if name == "unimplemented" { name = "ni_syscall" }
            if name.hasPrefix("sys_") { name.removeFirst(4) }
            guard !name.isEmpty, name != "exit", name != "exit_group" else { return }  // exits come from the scheduler lines
            try flush()
            let caller = thread(tid, spawned: tid != 1)
            current = caller
            // The arguments as printed: 0x-hex, decimal, or (clone's flags) bare hex.
            var tokens: [Substring] = []
            if let a0 = rest.firstIndex(of: "("), let a1 = rest[a0...].firstIndex(of: ")") {
                tokens = rest[rest.index(after: a0)..<a1].split(separator: ",").map { Substring($0.trimmingCharacters(in: " ").prefix { $0 != "(" }) }
            }
            func value(_ i: Int) -> UInt64? {
                guard i < tokens.count else { return nil }
                let t = tokens[i]
                return t.hasPrefix("0x") ? UInt64(t.dropFirst(2), radix: 16) : UInt64(t)
            }
            let result = text.range(of: "Success(0x").flatMap { r in UInt64(text[r.upperBound...].prefix { $0.isHexDigit }, radix: 16) }
            if name == "clone" || name == "clone3" {
                // A new thread when it succeeded with a thread flag; a fork's child is another process.
                guard let r = result, r != 0 else { return }
                var child: UInt64 = 1
                while alive.contains(child) { child += 1 }
                alive.insert(child)
                let t = thread(child, spawned: true)
                try emit(.spawn(thread: UInt32(t)))
                // CLONE_CHILD_CLEARTID: the kernel wakes the futex at child_tid when the thread exits
                // (how pthread_join waits): the child's stream will end with that wake.
                if tokens.count >= 4, let flags = UInt64(tokens[0].hasPrefix("0x") ? tokens[0].dropFirst(2) : tokens[0], radix: 16),
                   flags & 0x0020_0000 != 0, let ctid = value(3) {
                    clearChildTid[child] = ctid
                }
                return
            }
            if name == "futex", let address = value(0), let op = value(1) {
                // Waits that slept and wakes that woke someone become re-timed synchronization;
                // a wait that found the value changed (EAGAIN) or a wake of nobody is a plain call.
                let command = op & 127  // without FUTEX_PRIVATE_FLAG and FUTEX_CLOCK_REALTIME
                let isWait = command == 0 || command == 9, isWake = command == 1 || command == 10
                if (isWait || isWake) && text.contains("[async]") && result == nil && !text.contains("Failure") {
                    pendingFutex[tid] = (address, isWake)  // under way: its result comes on a later line
                    return
                }
                let slept = result != nil && !text.contains("Failure")
                if (command == 0 || command == 9) && slept {  // FUTEX_WAIT, FUTEX_WAIT_BITSET
                    try emit(.futexWait(address: address))
                    return
                }
                if (command == 1 || command == 10), let woken = result, woken > 0 {  // FUTEX_WAKE, FUTEX_WAKE_BITSET
                    try emit(.futexWake(address: address, count: UInt32(clamping: woken)))
                    return
                }
            }
            // Up to three arguments.
            var args: [UInt64] = []
            for i in 0..<min(3, tokens.count) { guard let v = value(i) else { break }; args.append(v) }
            try emit(.syscall(name: writer.header.intern(name), args: SyscallArguments(args)))
        }

        // valgrind --trace-symtab=yes: each loaded object's path and load bias.
        var inObject = false, inCode = false
        var objectPath: String?, objectBias: UInt64?
        func objectLine(_ text: String) throws(TraceError) {
            if text.hasPrefix("------ start ELF OBJECT") {
                inObject = true; inCode = false; objectPath = nil; objectBias = nil
            } else if text.hasPrefix("------ name = ") {
                objectPath = String(text.dropFirst(14))
            } else if text.hasPrefix("rx:") {
                inCode = true
            } else if text.hasPrefix("rw:") {
                inCode = false
            } else if inCode, objectBias == nil, let r = text.range(of: "with bias 0x") {
                objectBias = UInt64(text[r.upperBound...].prefix { $0.isHexDigit }, radix: 16)
            } else if text.hasPrefix("------ end ELF OBJECT") {
                inObject = false
                guard let objectPath, let objectBias else { return }
                if decode.setBias(of: objectPath, to: objectBias) { return }
                // valgrind's own tool image runs no client code.
                if objectPath.contains("/valgrind/") && !objectPath.contains("vgpreload") { return }
                do {
                    var image = try ELFImage(path: objectPath)
                    image.bias = objectBias
                    try decode.add(image)
                } catch {
                    report.notes.append("\(objectPath) (loaded at bias 0x\(String(objectBias, radix: 16))) cannot be read here: its instructions count as undecodable")
                }
            }
        }

        var internalLines: UInt64 = 0
        var internalSample: String?
        while let line = try lines.nextLine() {
            guard let first = line.first else { continue }
            if inObject || (first == UInt8(ascii: "-") && line.starts(with: Self.objectStart)) {
                try objectLine(String(decoding: line, as: UTF8.self))
                continue
            }
            if first == UInt8(ascii: "S") && line.starts(with: Self.syscallPrefix) {
                // valgrind --trace-syscalls=yes: "SYSCALL[pid,tid](nr) sys_name ( args ) --> result".
                // A scheduler line may follow on the same line.
                let text = String(decoding: line, as: UTF8.self)
                try syscall(text)
                if let sched = text.range(of: "SCHED[") { try schedLine(String(text[sched.lowerBound...])) }
                continue
            }
            if (first == UInt8(ascii: "I") || first == UInt8(ascii: "S")) && line.count > 1 && !TextTrace.isSpace(line[line.startIndex + 1]) {
                // valgrind's own lines that begin like a record ("SCHEDSETJMP(line 1211) tid 2,
                // jumped=..." when a thread is killed at exit): a record's letter is followed by
                // spaces. Counted, not read.
                internalLines &+= 1
                if internalSample == nil { internalSample = String(decoding: line.prefix(60), as: UTF8.self) }
                continue
            }
            if first == UInt8(ascii: "I") || first == UInt8(ascii: "L") || first == UInt8(ascii: "S") || first == UInt8(ascii: "M") {
                // "I  0023C790,2" or (leading space stripped) "L 0023C790,4".
                var i = line.startIndex + 1
                while i < line.endIndex && TextTrace.isSpace(line[i]) { i += 1 }
                guard let comma = line[i...].firstIndex(of: UInt8(ascii: ",")),
                      let address = ByteNumber.hex(line[i..<comma]), let size = ByteNumber.decimal(line[(comma + 1)...], maxDigits: 9), size > 0, size <= 4096 else {
                    throw fail("expected a lackey record like 'I  0023C790,2' or ' L 0023C790,4' (hex address, comma, size)")
                }
                if first == UInt8(ascii: "I") {
                    if opAt != nil {
                        if opImages != decode.images.count { opEntries = decode.entries(of: opAt!); opImages = decode.images.count }
                        if opEntries.contains(address) {
                            try flush()
                            try emit(.marker)
                            opsMarked += 1
                        }
                    }
                    let c = decode.classify(address: address, size: Int(size), report: &report)
                    report.instructions &+= 1
                    // A fetch record when the code line changes (both lines of a straddling instruction).
                    if current < 0 { current = thread(1, spawned: false) }
                    while lastFetch.count <= current { lastFetch.append(.max) }
                    let firstLine = address >> 6, lastLine = max(firstLine, (address &+ size &- 1) >> 6)
                    if firstLine != lastFetch[current] || lastLine != firstLine {
                        try flush()
                        for l in firstLine...lastLine where l != lastFetch[current] { try emit(.fetch(address: l << 6)) }
                        lastFetch[current] = lastLine
                    }
                    lastClass = c
                    if c != pendingClass { try flush(); pendingClass = c }
                    pending &+= 1
                } else {
                    try flush()
                    let s = UInt32(size)
                    switch first {
                    case UInt8(ascii: "L"): try emit(.load(address: address, size: s))
                    case UInt8(ascii: "S"): try emit(.store(address: address, size: s))
                    default: try emit(lastClass == .atomic ? .atomic(address: address, size: s) : .modify(address: address, size: s))
                    }
                }
                continue
            }
            if first == UInt8(ascii: "-") || first == UInt8(ascii: "=") {
                // valgrind's own lines; scheduler ones say which thread runs from here on.
                try schedLine(String(decoding: line, as: UTF8.self))
                continue
            }
            throw fail("expected a lackey record (I, L, S, M) or a valgrind line ('==pid==', '--pid--'); got '\(String(decoding: line.prefix(40), as: UTF8.self))'")
        }
        try flush()
        if current < 0 { _ = thread(1, spawned: false) }
        futexUnfinished = UInt64(pendingFutex.count)
        if futexTimedOut > 0 {
            report.notes.append("\(futexTimedOut) futex wait\(futexTimedOut == 1 ? "" : "s") timed out (ETIMEDOUT): replayed as calls, not as waits for a wake (lackey does not print the timeout)")
        }
        if futexUnfinished > 0 {
            report.notes.append("\(futexUnfinished) futex call\(futexUnfinished == 1 ? "" : "s") (waits or wakes) never completed in the trace (the thread was killed at exit): dropped")
        }
        if internalLines > 0 {
            report.notes.append("skipped \(internalLines) valgrind-internal line\(internalLines == 1 ? "" : "s") (\(internalSample!))")
        }
        report.decodedAddresses = decode.decodedAddresses
        // Data symbols of every object, where it was loaded, by address (results name lines after them).
        writer.header.symbols = decode.images.flatMap { image in
            image.dataSymbols.map { var s = $0; s.address &+= image.bias; return s }
        }.sorted { ($0.address, $0.name) < ($1.address, $1.name) }
        writer.header.source = "lackey " + path + (decode.images.isEmpty ? "" : " (instructions from \(decode.images.map(\.path).joined(separator: ", ")))")
        if let f = opAt {
            if opsMarked == 0 {
                throw TraceError(file: path, "--op-at \(f): no instruction of the trace is that function's entry (is it in the symbol tables of the loaded objects?)")
            }
            report.notes.append("\(opsMarked) operations: calls of \(f)")
        }
        if decode.images.isEmpty && report.instructions > 0 {
            report.notes.append("no executable given: every instruction counts as 'alu' and M records as plain read-modify-writes")
        }
        return report
    }

}

/// Instruction classes by address, from the bytes of the loaded objects (the executable,
/// and shared objects valgrind's `--trace-symtab=yes` names) through Capstone, cached.
struct InstructionClassifier {
    private(set) var images: [ELFImage] = []
    private var x86: X86Decoder?
    private var arm: Arm64Decoder?
    private var cache: [UInt64: InstructionClass] = [:]
    var decodedAddresses: Int { cache.count }

    init(executable: ELFImage?) throws(TraceError) {
        if let executable { try add(executable) }
    }

    mutating func add(_ image: ELFImage) throws(TraceError) {
        do {
            switch image.machine {
            case .x86_64: if x86 == nil { x86 = try X86Decoder() }
            case .aarch64: if arm == nil { arm = try Arm64Decoder() }
            }
        } catch {
            throw TraceError(file: image.path, "cannot open Capstone: \(error)")
        }
        images.append(image)
    }

    /// Run-time entry addresses of the functions named `name` in the loaded objects.
    func entries(of name: String) -> Set<UInt64> {
        Set(images.flatMap { image in image.functions.filter { $0.name == name }.map { $0.address &+ image.bias } })
    }

    /// Sets the load bias of the image whose file is `path` (by file name); whether one was.
    mutating func setBias(of path: String, to bias: UInt64) -> Bool {
        guard let i = images.firstIndex(where: { Self.sameFile($0.path, path) }) else { return false }
        images[i].bias = bias
        return true
    }

    /// Same file name, compression suffix aside (fixtures keep executables compressed).
    static func sameFile(_ a: String, _ b: String) -> Bool {
        func base(_ p: String) -> Substring {
            var name = p.split(separator: "/").last ?? Substring(p)
            for suffix in [".xz", ".gz", ".zst"] where name.hasSuffix(suffix) { name = name.dropLast(suffix.count) }
            return name
        }
        return base(a) == base(b)
    }

    mutating func classify(address: UInt64, size: Int, report: inout ImportReport) -> InstructionClass {
        guard !images.isEmpty else { return .alu }
        if let c = cache[address] { return c }
        for image in images {
            guard let bytes = image.bytes(at: address, count: size), bytes.count == size else { continue }
            let c: InstructionClass
            do {
                switch image.machine {
                case .x86_64: c = try x86!.decode(Array(bytes), address: address).instructionClass
                case .aarch64: c = try arm!.decode(Array(bytes), address: address).instructionClass
                }
            } catch {
                report.undecodable &+= 1
                if report.undecodableSamples.count < 10 { report.undecodableSamples.append(error.description) }
                return .alu
            }
            cache[address] = c
            return c
        }
        report.undecodable &+= 1
        if report.undecodableSamples.count < 10 {
            report.undecodableSamples.append("0x" + String(address, radix: 16)
                + ": in none of the loaded objects (\(images.map(\.path).joined(separator: ", "))): trace with --trace-symtab=yes, or give a PIE's load address")
        }
        return .alu
    }
}
