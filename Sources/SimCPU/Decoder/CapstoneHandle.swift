import CCapstone

/// Capstone cannot be opened for an architecture (the library's error code).
public struct CapstoneOpenError: Error, CustomStringConvertible {
    public var architecture: String
    public var code: UInt32
    public var description: String { "cannot open Capstone for \(architecture) (cs_err \(code))" }
}

/// One open Capstone handle with detail on and a reusable instruction buffer: what both
/// decoders need. Not thread-safe (Capstone handles are not shared).
final class CapstoneHandle {
    private var handle: csh = 0
    private let insn: UnsafeMutablePointer<cs_insn>

    init(_ arch: cs_arch, _ mode: cs_mode, name: String) throws(CapstoneOpenError) {
        let err = cs_open(arch, mode, &handle)
        guard err == CS_ERR_OK else { throw CapstoneOpenError(architecture: name, code: err.rawValue) }
        cs_option(handle, CS_OPT_DETAIL, Int(CS_OPT_ON.rawValue))
        insn = cs_malloc(handle)
    }

    deinit {
        cs_free(insn, 1)
        cs_close(&handle)
    }

    /// The first instruction of `bytes` at `address`, or nil when they do not decode.
    func disassemble(_ bytes: [UInt8], address: UInt64) -> cs_insn? {
        guard !bytes.isEmpty else { return nil }
        let ok: Bool = bytes.withUnsafeBufferPointer { buf in
            var code: UnsafePointer<UInt8>? = buf.baseAddress
            var size = buf.count
            var addr = address
            return cs_disasm_iter(handle, &code, &size, &addr, insn)
        }
        return ok ? insn.pointee : nil
    }
}

extension cs_insn {
    /// "mnemonic operands", for reports and error messages.
    var text: String {
        let mnemonic = withUnsafeBytes(of: self.mnemonic) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let operands = withUnsafeBytes(of: op_str) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return operands.isEmpty ? mnemonic : mnemonic + " " + operands
    }

    /// The instruction's groups (jump, call, SSE …).
    var groups: Set<UInt8> {
        guard let d = detail else { return [] }
        return withUnsafeBytes(of: d.pointee.groups) { Set($0.prefix(Int(d.pointee.groups_count))) }
    }
}
