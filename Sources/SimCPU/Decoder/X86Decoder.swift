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
    private let capstone: CapstoneHandle

    public init() throws(CapstoneOpenError) {
        capstone = try CapstoneHandle(CS_ARCH_X86, CS_MODE_64, name: "x86-64")
    }

    /// Decodes the first instruction of `bytes`, located at `address`.
    public func decode(_ bytes: [UInt8], address: UInt64 = 0) throws(UndecodableInstruction) -> DecodedInstruction {
        guard let i = capstone.disassemble(bytes, address: address) else { throw UndecodableInstruction(address: address, bytes: bytes) }
        return classify(i)
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
        let text = i.text
        let groups = i.groups

        var reads = false, writes = false, hasMem = false, locked = false
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
