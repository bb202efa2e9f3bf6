import CCapstone

/// Classifies AArch64 instruction bytes with Capstone.
///
/// Rules, in priority order: exclusive loads and stores (LDXR/STXR and their acquire,
/// release, byte, half and pair forms: the load-linked/store-conditional pairs atomics are
/// built from) → atomic; DMB/DSB/ISB → fence; YIELD/WFE → pause; SVC → syscall; jumps,
/// calls, returns → branch; multiplies and divides → mul/div; FP/NEON/crypto groups →
/// FP/SIMD; NOP/HINT → nop; a mnemonic starting LD → load, ST → store; else ALU.
/// (AArch64 is a load/store architecture: only those touch memory.) Capstone 4 predates
/// the ARMv8.1 LSE atomics (CAS, LDADD, SWP): they are recognized by their encoding.
///
/// Not thread-safe: one decoder per thread.
public final class Arm64Decoder {
    private let capstone: CapstoneHandle

    public init() throws(CapstoneOpenError) {
        capstone = try CapstoneHandle(CS_ARCH_ARM64, CS_MODE_ARM, name: "AArch64")
    }

    public func decode(_ bytes: [UInt8], address: UInt64 = 0) throws(UndecodableInstruction) -> DecodedInstruction {
        guard let i = capstone.disassemble(bytes, address: address) else {
            if let lse = Self.largeSystemExtensionAtomic(bytes) { return lse }
            throw UndecodableInstruction(address: address, bytes: bytes)
        }
        return classify(i)
    }

    /// ARMv8.1 LSE atomics, which Capstone 4 does not know, recognized by their encoding
    /// (Arm ARM C4.1.94): LDADD/LDCLR/LDEOR/LDSET/LD{S,U}{MAX,MIN}/SWP (size 111000 A R 1 Rs
    /// o3 opc 00 Rn Rt) and CAS/CASP (0x08A07C00 under mask 0x3FA07C00).
    static func largeSystemExtensionAtomic(_ bytes: [UInt8]) -> DecodedInstruction? {
        guard bytes.count == 4 else { return nil }
        let w = UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24
        let memoryOp = w & 0x3F20_0C00 == 0x3820_0000
        let compareAndSwap = w & 0x3FA0_7C00 == 0x08A0_7C00 || w & 0xBFA0_7C00 == 0x0820_7C00
        guard memoryOp || compareAndSwap else { return nil }
        return DecodedInstruction(length: 4, instructionClass: .atomic, readsMemory: true, writesMemory: true,
                                  text: compareAndSwap ? "cas (LSE)" : "atomic memory operation (LSE)")
    }

    private static let exclusive: Set<UInt32> = Set([
        ARM64_INS_LDXR, ARM64_INS_LDXRB, ARM64_INS_LDXRH, ARM64_INS_LDXP, ARM64_INS_LDAXR, ARM64_INS_LDAXRB, ARM64_INS_LDAXRH,
        ARM64_INS_LDAXP, ARM64_INS_STXR, ARM64_INS_STXRB, ARM64_INS_STXRH, ARM64_INS_STXP, ARM64_INS_STLXR, ARM64_INS_STLXRB,
        ARM64_INS_STLXRH, ARM64_INS_STLXP,
    ].map(\.rawValue))
    private static let fences: Set<UInt32> = [ARM64_INS_DMB.rawValue, ARM64_INS_DSB.rawValue, ARM64_INS_ISB.rawValue]
    private static let pauses: Set<UInt32> = [ARM64_INS_YIELD.rawValue, ARM64_INS_WFE.rawValue]
    private static let mulDivPrefixes = ["mul", "madd", "msub", "mneg", "smul", "umul", "smadd", "umadd", "smsub", "umsub",
                                         "sdiv", "udiv"]
    private static let fpGroups: Set<UInt8> = Set([ARM64_GRP_FPARMV8, ARM64_GRP_NEON, ARM64_GRP_CRYPTO].map { UInt8($0.rawValue) })
    private static let branchGroups: Set<UInt8> = Set([CS_GRP_JUMP, CS_GRP_CALL, CS_GRP_RET].map { UInt8($0.rawValue) })

    private func classify(_ i: cs_insn) -> DecodedInstruction {
        let id = i.id
        let text = i.text
        let groups = i.groups
        let mnemonic = withUnsafeBytes(of: i.mnemonic) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let lower = mnemonic.lowercased()
        let loads = lower.hasPrefix("ld"), stores = lower.hasPrefix("st")
        let cls: InstructionClass
        if Self.exclusive.contains(id) {
            cls = .atomic
        } else if Self.fences.contains(id) {
            cls = .fence
        } else if Self.pauses.contains(id) {
            cls = .pause
        } else if id == ARM64_INS_SVC.rawValue {
            cls = .syscall
        } else if !groups.isDisjoint(with: Self.branchGroups) || lower.hasPrefix("b.") || ["b", "bl", "br", "blr", "ret", "cbz", "cbnz", "tbz", "tbnz"].contains(lower) {
            cls = .branch
        } else if loads {
            cls = .load
        } else if stores {
            cls = .store
        } else if Self.mulDivPrefixes.contains(where: { lower.hasPrefix($0) }) {
            cls = .mulDiv
        } else if !groups.isDisjoint(with: Self.fpGroups) {
            cls = .fpSimd
        } else if id == ARM64_INS_NOP.rawValue || id == ARM64_INS_HINT.rawValue {
            cls = .nop
        } else {
            cls = .alu
        }
        return DecodedInstruction(length: Int(i.size), instructionClass: cls, readsMemory: loads || cls == .atomic,
                                  writesMemory: stores || cls == .atomic, text: text)
    }
}
