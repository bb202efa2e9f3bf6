import SimMachine

/// Interrupt vectors the kernel model uses.
enum Vectors {
    /// Channel notification vectors: base + ring index.
    static let channelBase: UInt8 = 0x40
    static let maxRings = 0x80
    /// The IPI-ring benchmark's vector.
    static let ring: UInt8 = 0xF0
    /// The IPI-broadcast workload's vector (its handler acknowledges on a shared line).
    static let broadcast: UInt8 = 0xF1
    /// A flooding instance's vector: the handler does nothing but enter and leave.
    static let flood: UInt8 = 0xF2
    /// TLB shootdown requests of syscall paths (Linux's call-function vector): the handler
    /// serves its CPU's queue of requests.
    static let tlbShootdown: UInt8 = 0xFB
    /// Non-maskable interrupt: taken even with interrupts disabled.
    static let nmi: UInt8 = 2
    /// Device interrupt vectors: base + device index (below the channels' priority class).
    static let deviceBase: UInt8 = 0x30
    static let maxDevices = 16
}
