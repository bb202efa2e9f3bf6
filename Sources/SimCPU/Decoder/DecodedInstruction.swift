import Foundation

/// The compact form of one decoded instruction, cached per address by callers.
public struct DecodedInstruction: Sendable, Hashable {
    public var length: Int
    public var instructionClass: InstructionClass
    public var readsMemory: Bool
    public var writesMemory: Bool
    /// Assembly text, for reports and error messages.
    public var text: String

    public init(length: Int, instructionClass: InstructionClass, readsMemory: Bool, writesMemory: Bool, text: String) {
        self.length = length; self.instructionClass = instructionClass
        self.readsMemory = readsMemory; self.writesMemory = writesMemory; self.text = text
    }
}

/// Bytes Capstone could not decode, with where they were.
public struct UndecodableInstruction: Error, Sendable, CustomStringConvertible {
    public var address: UInt64
    public var bytes: [UInt8]
    public var description: String {
        let hex = bytes.prefix(16).map { String(format: "%02x", $0) }.joined(separator: " ")
        return "undecodable instruction at 0x" + String(address, radix: 16) + ": " + hex
    }
}
