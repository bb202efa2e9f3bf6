import SimCPU

/// Reads the QEMU TCG plugin `execlog`'s output (`qemu-aarch64 -plugin libexeclog.so -d
/// plugin -D log ./prog`): one line per executed instruction,
///
///     0, 0x400580, 0xd10043ff, "sub sp, sp, #0x10"
///     0, 0x400584, 0xb9000fe0, "str w0, [sp, #0xc]", store, 0x7fffe83c
///
/// vCPU index, address, the instruction's first 32 bits, its disassembly, then the memory
/// accesses (a physical address and a device name in system mode). Each vCPU is a thread.
/// AArch64 words are decoded with Capstone (the trace holds the whole instruction); x86
/// instructions can be longer than the 32 bits the plugin prints, so they are classed from
/// their disassembly. The plugin gives no access size: 8 bytes is assumed.
public struct ExeclogImporter {
    public init() {}

    public func run(path: String, into writer: BinaryTraceWriter) throws(TraceError) -> ImportReport {
        var report = ImportReport()
        let lines = try TextTrace.LineReader(input: path)
        writer.header.source = "qemu execlog " + path
        let arm: Arm64Decoder
        do { arm = try Arm64Decoder() } catch { throw TraceError(file: path, "cannot open Capstone: \(error)") }
        var cache: [UInt64: InstructionClass] = [:]
        var threadOf: [Int: Int] = [:]
        var pending: [(InstructionClass, UInt64)] = []  // per thread: the open run of one class
        var lastFetch: [UInt64] = []  // per thread: the code line of its last instruction
        func thread(_ cpu: Int) -> Int {
            if let t = threadOf[cpu] { return t }
            let t = writer.addThread(TraceThread(tid: UInt64(cpu), name: "vcpu\(cpu)"))
            threadOf[cpu] = t
            pending.append((.alu, 0))
            return t
        }
        func flush(_ t: Int) throws(TraceError) {
            if pending[t].1 > 0 {
                try writer.append(.instructions(pending[t].0, count: pending[t].1), thread: t)
                report.records &+= 1
                pending[t].1 = 0
            }
        }
        while let line = try lines.nextLine() {
            if line.isEmpty { continue }
            let text = String(decoding: line, as: UTF8.self)
            func fail(_ what: String) -> TraceError { TraceError(file: path, line: lines.lineNumber, what) }
            // The disassembly is quoted and may hold commas: split around it.
            guard let q1 = text.firstIndex(of: "\""), let q2 = text.lastIndex(of: "\""), q1 < q2 else {
                throw fail("expected an execlog line: 'cpu, 0xaddress, 0xopcode, \"disassembly\"[, load|store, 0xaddress]...'")
            }
            let head = text[..<q1].split(separator: ",").map { $0.trimmingCharacters(in: " ") }.filter { !$0.isEmpty }
            let disas = String(text[text.index(after: q1)..<q2])
            guard head.count == 3, let cpu = Int(head[0]), cpu >= 0, cpu < 1 << 16,
                  let address = Self.hex(head[1]), let opcode = Self.hex(head[2]) else {
                throw fail("expected 'cpu, 0xaddress, 0xopcode, \"disassembly\"' before the accesses")
            }
            var accesses: [(store: Bool, address: UInt64)] = []
            let tail = text[text.index(after: q2)...].split(separator: ",").map { $0.trimmingCharacters(in: " ") }
            var i = 0
            while i < tail.count {
                let kind = tail[i]
                guard kind == "load" || kind == "store", i + 1 < tail.count, let a = Self.hex(tail[i + 1]) else {
                    throw fail("expected ', load, 0xaddress' or ', store, 0xaddress' after the disassembly")
                }
                accesses.append((kind == "store", a))
                i += 2
                if i < tail.count && tail[i] != "load" && tail[i] != "store" { i += 1 }  // system mode: a device name
            }
            let t = thread(cpu)
            let cls: InstructionClass
            if let c = cache[address] {
                cls = c
            } else if disas.contains("%") || disas.hasPrefix("lock") {
                cls = Self.x86Class(disas, accesses: accesses)  // AT&T syntax: x86
                cache[address] = cls
            } else {
                let bytes = (0..<4).map { UInt8(truncatingIfNeeded: opcode >> (8 * UInt64($0))) }
                do {
                    cls = try arm.decode(bytes, address: address).instructionClass
                } catch {
                    report.undecodable &+= 1
                    if report.undecodableSamples.count < 10 { report.undecodableSamples.append("\(error) (\"\(disas)\")") }
                    cls = .alu
                }
                cache[address] = cls
            }
            report.instructions &+= 1
            // A fetch record when the code line changes (AArch64 instructions never straddle).
            while lastFetch.count <= t { lastFetch.append(.max) }
            if address >> 6 != lastFetch[t] {
                try flush(t)
                try writer.append(.fetch(address: address & ~63), thread: t)
                report.records &+= 1
                lastFetch[t] = address >> 6
            }
            if cls != pending[t].0 { try flush(t); pending[t].0 = cls }
            pending[t].1 &+= 1
            if !accesses.isEmpty {
                try flush(t)
                for a in accesses {
                    let r: TraceRecord = cls == .atomic && a.store ? .atomic(address: a.address, size: 8)
                        : a.store ? .store(address: a.address, size: 8) : .load(address: a.address, size: 8)
                    try writer.append(r, thread: t)
                    report.records &+= 1
                }
            }
        }
        for t in pending.indices { try flush(t) }
        report.decodedAddresses = cache.count
        return report
    }

    static func hex(_ s: String) -> UInt64? {
        guard s.hasPrefix("0x") else { return nil }
        return UInt64(s.dropFirst(2), radix: 16)
    }

    /// An x86 instruction's class from QEMU's AT&T disassembly.
    static func x86Class(_ disas: String, accesses: [(store: Bool, address: UInt64)]) -> InstructionClass {
        let words = disas.split(separator: " ")
        guard var m = words.first.map(String.init) else { return .alu }
        if m == "lock" { return .atomic }
        if m == "rep" || m == "repz" || m == "repnz", words.count > 1 { m = String(words[1]) }
        if m.hasPrefix("xchg") && !accesses.isEmpty { return .atomic }
        if ["mfence", "lfence", "sfence"].contains(m) { return .fence }
        if m == "pause" { return .pause }
        if m == "syscall" || m == "sysenter" || m.hasPrefix("int") { return .syscall }
        if m.hasPrefix("j") || m.hasPrefix("call") || m.hasPrefix("ret") || m.hasPrefix("loop") { return .branch }
        if m.hasPrefix("mul") || m.hasPrefix("imul") || m.hasPrefix("div") || m.hasPrefix("idiv") { return .mulDiv }
        if disas.contains("%xmm") || disas.contains("%ymm") || disas.contains("%zmm") || disas.contains("%st") { return .fpSimd }
        if m.hasPrefix("nop") { return .nop }
        if accesses.contains(where: \.store) { return .store }
        if !accesses.isEmpty { return .load }
        return .alu
    }
}
