/// Every channel's two rings, and where each kernel's end of each channel is.
struct ChannelTable {
    var rings: [RingState] = []
    /// Ring index by `channel * 2 + end`: end 0 sends from the channel's first kernel, end 1
    /// from its second (built with the rings, so that a send finds its ring directly).
    var ringIndex: [Int32] = []
    /// Waitsets: the channels each serving task polls (`serve` workloads).
    var waitsets: [[Int]] = []

    /// The ring `kernel` sends on over `channel`.
    func sendRing(channel: Int, from kernel: Int) -> Int {
        let r = Int(ringIndex[channel &* 2])
        return rings[r].from == kernel ? r : Int(ringIndex[channel &* 2 &+ 1])
    }

    /// The ring `kernel` receives on over `channel`.
    func receiveRing(channel: Int, to kernel: Int) -> Int {
        let r = Int(ringIndex[channel &* 2])
        return rings[r].to == kernel ? r : Int(ringIndex[channel &* 2 &+ 1])
    }
}
