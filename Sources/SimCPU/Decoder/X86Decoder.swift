import CCapstone

/// Classifies x86-64 instruction bytes with Capstone.
///
/// Rules, in priority order: LOCK prefix or XCHG with a memory operand → atomic;
/// MFENCE/LFENCE/SFENCE → fence; PAUSE → pause; SYSCALL/SYSENTER/INT → syscall;
/// jumps, calls, returns → branch; (I)MUL/(I)DIV/MULX → mul/div; SSE/AVX/x87/MMX
/// groups → FP/SIMD; NOP → nop; otherwise a memory write → store, a memory
/// read → load, else ALU.
///
/// Not thread-safe: one decoder per thread (Capstone handles are not shared).
public final class X86Decoder {
    private var handle: csh = 0
    private var insn: UnsafeMutablePointer<cs_insn>?

    public struct OpenError: Error, CustomStringConvertible {
        public var code: UInt32
        public var description: String { "cannot open Capstone for x86-64 (cs_err \(code))" }
    }

    public init() throws {
        let err = cs_open(CS_ARCH_X86, CS_MODE_64, &handle)
        guard err == CS_ERR_OK else { throw OpenError(code: err.rawValue) }
        cs_option(handle, CS_OPT_DETAIL, Int(CS_OPT_ON.rawValue))
        insn = cs_malloc(handle)
    }

    deinit {
        if let insn { cs_free(insn, 1) }
        cs_close(&handle)
    }

    /// Decodes the first instruction of `bytes`, located at `address`.
    public func decode(_ bytes: [UInt8], address: UInt64 = 0) throws(UndecodableInstruction) -> DecodedInstruction {
        guard let insn, !bytes.isEmpty else { throw UndecodableInstruction(address: address, bytes: bytes) }
        let ok: Bool = bytes.withUnsafeBufferPointer { buf in
            var code: UnsafePointer<UInt8>? = buf.baseAddress
            var size = buf.count
            var addr = address
            return cs_disasm_iter(handle, &code, &size, &addr, insn)
        }
        guard ok else { throw UndecodableInstruction(address: address, bytes: bytes) }
        return classify(insn.pointee)
    }

    private static let fences: Set<UInt32> = [X86_INS_MFENCE.rawValue, X86_INS_LFENCE.rawValue, X86_INS_SFENCE.rawValue]
    private static let traps: Set<UInt32> = [X86_INS_SYSCALL.rawValue, X86_INS_SYSENTER.rawValue, X86_INS_INT.rawValue]
    private static let mulDiv: Set<UInt32> = [X86_INS_MUL.rawValue, X86_INS_IMUL.rawValue, X86_INS_DIV.rawValue,
                                              X86_INS_IDIV.rawValue, X86_INS_MULX.rawValue]
    private static let fpGroups: Set<UInt8> = Set([
        X86_GRP_SSE1, X86_GRP_SSE2, X86_GRP_SSE3, X86_GRP_SSSE3, X86_GRP_SSE41, X86_GRP_SSE42, X86_GRP_SSE4A,
        X86_GRP_AVX, X86_GRP_AVX2, X86_GRP_AVX512, X86_GRP_FMA, X86_GRP_FMA4, X86_GRP_F16C, X86_GRP_FPU,
        X86_GRP_MMX, X86_GRP_3DNOW, X86_GRP_AES, X86_GRP_PCLMUL,
    ].map { UInt8($0.rawValue) })
    private static let branchGroups: Set<UInt8> = Set([CS_GRP_JUMP, CS_GRP_CALL, CS_GRP_RET].map { UInt8($0.rawValue) })

    private func classify(_ i: cs_insn) -> DecodedInstruction {
        let id = i.id
        let mnemonic = withUnsafeBytes(of: i.mnemonic) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let operands = withUnsafeBytes(of: i.op_str) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let text = operands.isEmpty ? mnemonic : mnemonic + " " + operands

        var reads = false, writes = false, hasMem = false, locked = false
        var groups = Set<UInt8>()
        if let d = i.detail {
            let x = d.pointee.x86
            locked = x.prefix.0 == UInt8(X86_PREFIX_LOCK.rawValue)
            withUnsafeBytes(of: x.operands) { raw in
                let ops = raw.bindMemory(to: cs_x86_op.self)
                for k in 0..<Int(x.op_count) where ops[k].type == X86_OP_MEM {
                    hasMem = true
                    if ops[k].access & UInt8(CS_AC_READ.rawValue) != 0 { reads = true }
                    if ops[k].access & UInt8(CS_AC_WRITE.rawValue) != 0 { writes = true }
                }
            }
            withUnsafeBytes(of: d.pointee.groups) { raw in groups = Set(raw.prefix(Int(d.pointee.groups_count))) }
        }
        // Stack accesses Capstone does not list as memory operands.
        if id == X86_INS_PUSH.rawValue || id == X86_INS_CALL.rawValue { writes = true }
        if id == X86_INS_POP.rawValue || id == X86_INS_RET.rawValue { reads = true }
        let isLea = id == X86_INS_LEA.rawValue, isNop = id == X86_INS_NOP.rawValue
        if hasMem && !reads && !writes && !isLea && !isNop { reads = true }
        if isLea || isNop { reads = false; writes = false }

        let cls: InstructionClass
        if locked || (id == X86_INS_XCHG.rawValue && hasMem) {
            cls = .atomic  // XCHG with memory is implicitly locked
        } else if Self.fences.contains(id) {
            cls = .fence
        } else if id == X86_INS_PAUSE.rawValue {
            cls = .pause
        } else if Self.traps.contains(id) {
            cls = .syscall
        } else if !groups.isDisjoint(with: Self.branchGroups) {
            cls = .branch
        } else if Self.mulDiv.contains(id) {
            cls = .mulDiv
        } else if !groups.isDisjoint(with: Self.fpGroups) {
            cls = .fpSimd
        } else if isNop {
            cls = .nop
        } else if writes {
            cls = .store
        } else if reads {
            cls = .load
        } else {
            cls = .alu
        }
        return DecodedInstruction(length: Int(i.size), instructionClass: cls, readsMemory: reads, writesMemory: writes, text: text)
    }
}
