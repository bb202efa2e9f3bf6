import SimCPU
import SimMachine
import SimWorkloads

extension Simulation {
    mutating func buildChannels() throws(ConfigurationError) {
        for (ci, ch) in config.channels.enumerated() {
            let (a, b) = ch.kernels
            guard a != b, a >= 0, b >= 0, a < kernels.count, b < kernels.count else {
                throw ConfigurationError("channel '\(ch.name)' must connect two different kernels", about: .channel(ch.name), key: "between")
            }
            guard ch.slots >= 1 else { throw ConfigurationError("channel '\(ch.name)' needs at least one slot", about: .channel(ch.name)) }
            for (from, to) in [(a, b), (b, a)] {
                let index = channels.rings.count
                guard index < Vectors.maxRings else { throw ConfigurationError("at most \(Vectors.maxRings / 2) channels are supported") }
                let kc = config.kernels[to]
                let prefix = "\(ch.name).\(config.kernels[from].name)->\(kc.name)"
                let head = directory.allocate(name: prefix + ".head", home: kc.memoryNode)
                let tail = directory.allocate(name: prefix + ".tail", home: kc.memoryNode)
                var slotBase: LineID = -1
                for s in 0..<ch.slots {
                    let id = directory.allocate(name: prefix + ".slot[\(s)]", home: kc.memoryNode)
                    if slotBase < 0 { slotBase = id }
                }
                var ring = RingState(channel: ci, from: from, to: to, transport: ch.transport, slots: ch.slots, head: head, tail: tail,
                                     slotBase: slotBase, sentAt: Array(repeating: .zero, count: ch.slots),
                                     tags: Array(repeating: 0, count: ch.slots),
                                     receiverCPU: kc.cpus[0], vector: Vectors.channelBase + UInt8(index),
                                     handling: ch.handling, budget: max(1, ch.drainBudget), slotBytes: ch.slotBytes)
                let traits = ch.transport.traits
                ring.timeout = traits.senderCanTimeOut ? ch.timeout : .zero
                if traits.ackLineAndStub {
                    ring.ackLine = directory.allocate(name: prefix + ".ack", home: config.kernels[from].memoryNode)
                    ring.stub = config.machine.frequency.duration(cycles: ch.stubCycles)
                    ring.pollInterval = ch.pollInterval
                }
                if traits.drainingFlag {
                    ring.activeLine = directory.allocate(name: prefix + ".draining", home: kc.memoryNode)
                }
                channels.ringIndex.append(Int32(index))
                ipis.handlers[Int(ring.vector)] = .channel
                channels.rings.append(ring)
            }
        }
    }
}
