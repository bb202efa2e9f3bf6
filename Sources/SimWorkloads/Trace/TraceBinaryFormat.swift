import SimCPU
import SimMachine

/// The binary form's layout (docs/trace-format.md):
///
///     header   "MKTRACE\n", version u32 LE, reserved u32, footer offset u64 LE (0: unfinished)
///     blocks   'B', thread index (varint), payload length (varint), payload: records
///     footer   'F', threads, names, symbols, source, each thread's block offsets
///
/// Records are an opcode byte and varints; memory addresses are zigzag deltas from the
/// thread's previous memory address, reset at each block so that blocks decode alone.
enum TraceBinaryFormat {
    static let magic: [UInt8] = Array("MKTRACE\n".utf8)
    static let version: UInt32 = 1
    static let headerBytes = 24
    static let blockTag: UInt8 = 0x42
    static let footerTag: UInt8 = 0x46
    /// Payload bytes at which a writer closes a thread's block.
    static let blockTarget = 64 << 10
    /// Largest block payload a reader accepts (a corrupt length is not an allocation).
    static let blockLimit = 16 << 20

    // Opcodes. 0x00–0x0F: instructions of class (op & 0x0F), varint count.
    // 0x10–0x2F: memory, kind = (op - 0x10) >> 3 (load, store, modify, atomic), size code
    // op & 7 (1, 2, 4, 8, 16, 32, 64 bytes; 7: a varint size follows), then the address delta.
    static let memoryBase: UInt8 = 0x10
    /// Access sizes with a code of their own (code i: 2^i bytes); others are written out.
    static let sizes: [UInt32] = [1, 2, 4, 8, 16, 32, 64]
    enum Op: UInt8 {
        case fence = 0x30, pause, syscall, lock, unlock, barrier, sleep, busy, wait, wake, spawn, exit, mmap, munmap, send, receive,
             migrate, marker, timer, fetch, futexWait, futexWake
    }

    @inline(__always) static func zigzag(_ v: Int64) -> UInt64 { UInt64(bitPattern: (v << 1) ^ (v >> 63)) }
    @inline(__always) static func unzigzag(_ v: UInt64) -> Int64 { Int64(bitPattern: v >> 1) ^ -Int64(bitPattern: v & 1) }
}

/// Appends varints and fixed-width integers to a byte array.
struct ByteSink {
    var bytes: [UInt8] = []
    @inline(__always) mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }
    mutating func string(_ s: String) {
        let u = Array(s.utf8)
        varint(UInt64(u.count))
        bytes += u
    }
    mutating func u32(_ v: UInt32) { for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(i)))) } }
    mutating func u64(_ v: UInt64) { for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) } }
}

/// Reads varints from a byte buffer; `nil` past its end.
struct ByteSource {
    let base: UnsafeRawBufferPointer
    var position = 0
    init(_ base: UnsafeRawBufferPointer) { self.base = base }
    var atEnd: Bool { position >= base.count }

    @inline(__always) mutating func byte() -> UInt8? {
        guard position < base.count else { return nil }
        defer { position += 1 }
        return base[position]
    }
    @inline(__always) mutating func varint() -> UInt64? {
        var result: UInt64 = 0, shift: UInt64 = 0
        while position < base.count {
            let b = base[position]
            position += 1
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return result }
            shift += 7
            if shift > 63 { return nil }
        }
        return nil
    }
    mutating func string() -> String? {
        guard let n = varint(), n <= UInt64(base.count - position) else { return nil }
        let s = String(decoding: UnsafeRawBufferPointer(rebasing: base[position..<(position + Int(n))]), as: UTF8.self)
        position += Int(n)
        return s
    }
    mutating func u32() -> UInt32? {
        guard base.count - position >= 4 else { return nil }
        var v: UInt32 = 0
        for i in 0..<4 { v |= UInt32(base[position + i]) << (8 * UInt32(i)) }
        position += 4
        return v
    }
    mutating func u64() -> UInt64? {
        guard base.count - position >= 8 else { return nil }
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(base[position + i]) << (8 * UInt64(i)) }
        position += 8
        return v
    }
}

extension ByteSink {
    /// Encodes one record; `last` is the thread's previous memory address in this block.
    mutating func record(_ r: TraceRecord, last: inout UInt64) {
        typealias F = TraceBinaryFormat
        func memory(_ kind: UInt8, _ address: UInt64, _ size: UInt32) {
            let code = F.sizes.firstIndex(of: size).map { UInt8($0) } ?? 7
            bytes.append(F.memoryBase + kind << 3 + code)
            if code == 7 { varint(UInt64(size)) }
            varint(F.zigzag(Int64(bitPattern: address &- last)))
            last = address
        }
        func op(_ o: F.Op) { bytes.append(o.rawValue) }
        switch r {
        case .instructions(let c, let n): bytes.append(UInt8(c.rawValue)); varint(n)
        case .load(let a, let s): memory(0, a, s)
        case .store(let a, let s): memory(1, a, s)
        case .modify(let a, let s): memory(2, a, s)
        case .atomic(let a, let s): memory(3, a, s)
        case .fence: op(.fence)
        case .pause(let n): op(.pause); varint(UInt64(n))
        case .syscall(let name, let args):
            op(.syscall); varint(UInt64(name)); bytes.append(args.count)
            for v in args.values { varint(v) }
        case .lock(let a): op(.lock); varint(a)
        case .unlock(let a): op(.unlock); varint(a)
        case .barrier(let id, let parties): op(.barrier); varint(UInt64(id)); varint(UInt64(parties))
        case .sleep(let d): op(.sleep); varint(d.raw)
        case .busy(let d): op(.busy); varint(d.raw)
        case .wait: op(.wait)
        case .wake(let t): op(.wake); varint(UInt64(t))
        case .spawn(let t): op(.spawn); varint(UInt64(t))
        case .exit: op(.exit)
        case .mmap(let a, let l): op(.mmap); varint(a); varint(l)
        case .munmap(let a, let l): op(.munmap); varint(a); varint(l)
        case .send(let ch, let b): op(.send); varint(UInt64(ch)); varint(UInt64(b))
        case .receive(let ch): op(.receive); varint(UInt64(ch))
        case .migrate(let k): op(.migrate); varint(UInt64(k))
        case .marker: op(.marker)
        case .futexWait(let a): op(.futexWait); varint(a)
        case .futexWake(let a, let n): op(.futexWake); varint(a); varint(UInt64(n))
        case .fetch(let a):
            // Code addresses: a delta from the thread's previous fetch would need a register of
            // its own per block; the shared one keeps decoding to one state.
            op(.fetch); varint(F.zigzag(Int64(bitPattern: a &- last))); last = a
        case .timer(let n, let p, let absolute): op(.timer); varint(UInt64(n)); varint(p.raw); bytes.append(absolute ? 1 : 0)
        }
    }
}

extension ByteSource {
    /// Decodes one record, or returns nil when the bytes do not form one.
    @inline(__always) mutating func record(last: inout UInt64) -> TraceRecord? {
        typealias F = TraceBinaryFormat
        guard let o = byte() else { return nil }
        if o < 0x10 {
            guard let c = InstructionClass(rawValue: Int(o)), let n = varint() else { return nil }
            return .instructions(c, count: n)
        }
        if o < 0x30 {
            let kind = (o - F.memoryBase) >> 3, code = Int(o & 7)
            let size: UInt32
            if code == 7 {
                guard let s = varint(), s <= UInt64(UInt32.max) else { return nil }
                size = UInt32(s)
            } else {
                size = UInt32(1) &<< UInt32(code)  // F.sizes[code], without the global's lazy-initialization check
            }
            guard let d = varint() else { return nil }
            let a = last &+ UInt64(bitPattern: F.unzigzag(d))
            last = a
            switch kind {
            case 0: return .load(address: a, size: size)
            case 1: return .store(address: a, size: size)
            case 2: return .modify(address: a, size: size)
            default: return .atomic(address: a, size: size)
            }
        }
        guard let op = F.Op(rawValue: o) else { return nil }
        func v32() -> UInt32? { varint().flatMap { $0 <= UInt64(UInt32.max) ? UInt32($0) : nil } }
        switch op {
        case .fence: return .fence
        case .pause: return v32().map { .pause($0) }
        case .syscall:
            guard let name = v32(), let n = byte(), n <= 3 else { return nil }
            var values: [UInt64] = []
            for _ in 0..<n { guard let v = varint() else { return nil }; values.append(v) }
            return .syscall(name: name, args: SyscallArguments(values))
        case .lock: return varint().map { .lock(address: $0) }
        case .unlock: return varint().map { .unlock(address: $0) }
        case .barrier:
            guard let id = v32(), let p = v32() else { return nil }
            return .barrier(id: id, parties: p)
        case .sleep: return varint().map { .sleep(Picoseconds($0)) }
        case .busy: return varint().map { .busy(Picoseconds($0)) }
        case .wait: return .wait
        case .wake: return v32().map { .wake(thread: $0) }
        case .spawn: return v32().map { .spawn(thread: $0) }
        case .exit: return .exit
        case .mmap, .munmap:
            guard let a = varint(), let l = varint() else { return nil }
            return op == .mmap ? .mmap(address: a, length: l) : .munmap(address: a, length: l)
        case .send:
            guard let ch = v32(), let b = v32() else { return nil }
            return .send(channel: ch, bytes: b)
        case .receive: return v32().map { .receive(channel: $0) }
        case .migrate: return v32().map { .migrate(kernel: $0) }
        case .marker: return .marker
        case .futexWait: return varint().map { .futexWait(address: $0) }
        case .futexWake:
            guard let a = varint(), let n = v32() else { return nil }
            return .futexWake(address: a, count: n)
        case .fetch:
            guard let d = varint() else { return nil }
            let a = last &+ UInt64(bitPattern: F.unzigzag(d))
            last = a
            return .fetch(address: a)
        case .timer:
            guard let n = v32(), let p = varint(), let a = byte(), a <= 1 else { return nil }
            return .timer(name: n, period: Picoseconds(p), absolute: a == 1)
        }
    }
}
