import SimCPU
import Testing

/// Real x86-64 encodings (as GNU as emits them) and the class each must get.
@Suite struct X86DecoderTests {
    static let cases: [([UInt8], InstructionClass, String)] = [
        ([0xF0, 0x0F, 0xB1, 0x11], .atomic, "lock cmpxchg dword ptr [rcx], edx"),
        ([0xF0, 0x48, 0x0F, 0xC1, 0x07], .atomic, "lock xadd qword ptr [rdi], rax"),
        ([0x87, 0x07], .atomic, "xchg dword ptr [rdi], eax"),  // implicitly locked
        ([0xF0, 0x83, 0x07, 0x01], .atomic, "lock add dword ptr [rdi], 1"),
        ([0x0F, 0xAE, 0xF0], .fence, "mfence"),
        ([0x0F, 0xAE, 0xE8], .fence, "lfence"),
        ([0xF3, 0x90], .pause, "pause"),
        ([0x0F, 0x05], .syscall, "syscall"),
        ([0x48, 0x01, 0xD8], .alu, "add rax, rbx"),
        ([0x48, 0x8D, 0x04, 0x07], .alu, "lea rax, [rdi + rax]"),
        ([0x48, 0x8B, 0x07], .load, "mov rax, qword ptr [rdi]"),
        ([0x48, 0x89, 0x07], .store, "mov qword ptr [rdi], rax"),
        ([0x48, 0xF7, 0xE3], .mulDiv, "mul rbx"),
        ([0x48, 0xF7, 0xF9], .mulDiv, "idiv rcx"),
        ([0xF2, 0x0F, 0x59, 0xC1], .fpSimd, "mulsd xmm0, xmm1"),
        ([0xC5, 0xFC, 0x58, 0xC1], .fpSimd, "vaddps ymm0, ymm0, ymm1"),
        ([0xE8, 0x00, 0x00, 0x00, 0x00], .branch, "call"),
        ([0x75, 0xFE], .branch, "jne"),
        ([0xC3], .branch, "ret"),
        ([0x90], .nop, "nop"),
    ]

    @Test(arguments: cases.indices)
    func classifies(_ i: Int) throws {
        let (bytes, expected, text) = Self.cases[i]
        let decoder = try X86Decoder()
        let d = try decoder.decode(bytes, address: 0x401000)
        #expect(d.instructionClass == expected, "\(text) decoded as \(d.text): \(d.instructionClass)")
        #expect(d.length == bytes.count)
    }

    @Test func memoryDirectionFlags() throws {
        let decoder = try X86Decoder()
        let add = try decoder.decode([0x01, 0x07])  // add dword ptr [rdi], eax: read-modify-write, not locked
        #expect(add.readsMemory && add.writesMemory && add.instructionClass == .store)
        let push = try decoder.decode([0x50])  // push rax
        #expect(push.writesMemory)
    }

    @Test func undecodableBytesAreReportedWithTheirAddress() throws {
        let decoder = try X86Decoder()
        #expect(throws: UndecodableInstruction.self) { try decoder.decode([0x06], address: 0xDEAD) }  // push es: invalid in 64-bit mode
        do {
            _ = try decoder.decode([0x06], address: 0xDEAD)
        } catch {
            #expect(error.address == 0xDEAD)
            #expect(error.description.contains("0xdead"))
        }
        #expect(throws: UndecodableInstruction.self) { try decoder.decode([]) }
    }

    @Test func latencyTableCostsAMix() {
        let t = LatencyTable.skylakeServer
        #expect(t.cycles(for: [.alu: 4, .atomic: 1]) == 19)
    }
}
