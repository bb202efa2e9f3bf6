import SimMachine

extension Simulation {
    /// Each ring (both directions of every channel), in the order they were made.
    func channelResults() -> [ChannelResult] {
        channels.rings.map { r in
            ChannelResult(name: config.channels[r.channel].name,
                          direction: "\(config.kernels[r.from].name)->\(config.kernels[r.to].name)",
                          sent: r.stats.sent, delivered: r.stats.delivered, bytes: r.stats.bytes, ipis: r.stats.ipis,
                          ringFullStalls: r.stats.fullStalls, latency: LatencySummary(r.stats.latency), inRing: unconsumedSlots(r),
                          dropped: r.stats.dropped, receiveTimeouts: r.stats.receiveTimeouts, lastDeliveredNs: r.stats.lastDelivered.nanoseconds,
                          deliveredByFamily: MessageFamily.allCases.map { ($0.name, r.stats.deliveredByFamily[Int($0.rawValue)]) })
        }
    }

    /// Published, untaken messages of a ring, read from its lines: a slot holding sequence
    /// number `s` holds `s + 1` (slots are never cleared, so the walk starts at the first
    /// slot not yet taken and stops at the first not published for its turn); a popcorn
    /// message counts once its last chunk is there.
    func unconsumedSlots(_ r: RingState) -> UInt64 {
        var messages: UInt64 = 0
        var seq = r.stats.slotsTaken
        while seq - r.stats.slotsTaken < UInt64(r.slots) {
            let word = directory.peekValue(slotLine(r, seq))
            guard word & ~Self.lastChunk == seq + 1 else { break }
            if !r.transport.traits.splitsMessages || word & Self.lastChunk != 0 { messages += 1 }  // complete messages only
            seq += 1
        }
        return messages
    }
}

