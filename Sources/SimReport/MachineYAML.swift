import SimMachine

/// A machine as scenario YAML: paste it under `machine:` and edit any field.
public enum MachineYAML {
    public static func text(_ m: MachineSpec) -> String {
        let t = m.topology
        var out = ["# \(m.summary)", "machine:"]
        out.append("  name: \(m.name)")
        out.append("  sockets: \(t.sockets)")
        out.append("  cores_per_socket: \(t.coresPerSocket)")
        out.append("  threads_per_core: \(t.threadsPerCore)")
        out.append("  cores_per_cluster: \(t.coresPerCluster)")
        out.append("  cores_per_die: \(t.coresPerDie)")
        out.append("  numa_nodes_per_socket: \(t.numaNodesPerSocket)")
        if !t.socketLinks.isEmpty {
            out.append("  socket_links: [" + t.socketLinks.map { "[\($0.a), \($0.b)]" }.joined(separator: ", ") + "]")
        }
        out.append("  frequency: \(m.frequency)")
        out.append("  caches:")
        for c in m.caches {
            out.append("    \(c.name): {size: \(size(c.sizeBytes)), ways: \(c.ways), line: \(size(UInt64(c.lineBytes))), latency: \(c.latencyCycles) cycles, shared: \(c.shared.rawValue)}")
        }
        for name in ["l2", "llc"] where !m.caches.contains(where: { $0.name == name }) {
            out.append("    \(name): none")  // absent here, present in the machine unset fields come from
        }
        let c = m.coherence
        func list(_ v: [Picoseconds]) -> String { v.count == 1 ? d(v[0]) : "[" + v.map(d).joined(separator: ", ") + "]" }
        out.append("  coherence:")
        out.append("    protocol: \(c.protocolKind.rawValue)")
        out.append("    atomic: \(c.atomicCycles) cycles")
        out.append("    transfer: {smt: \(d(c.smt)), cluster: \(d(c.cluster)), die: \(list(c.die)), socket: \(list(c.socket)), remote: \(d(c.remote)), via_home: \(d(c.viaHome))}")
        func bytes(_ n: Int) -> String { n == 0 ? "0" : "\(n)B" }
        out.append("    packets: {request: \(bytes(c.packets.request)), response: \(bytes(c.packets.response)), data: \(bytes(c.packets.data))}")
        if c.hop > .zero || c.snoop != .directory {
            out.append("    snoop: \(c.snoop.rawValue)")
            out.append("    hop: \(d(c.hop))")
            if c.snoop == .broadcast { out.append("    probe: \(d(c.probe))") }
        }
        out.append("  memory:")
        out.append("    per_node: \(size(m.memory.bytesPerNode))")
        out.append("    latency: {local: \(d(m.memory.latencyLocal)), remote: \(d(m.memory.latencyRemote))}")
        var die = m.memory.bandwidthDie > 0 ? ", die: \(bw(m.memory.bandwidthDie))" : ""
        if m.memory.bandwidthDie > 0 && m.memory.bandwidthDieWrite > 0 { die += ", die_write: \(bw(m.memory.bandwidthDieWrite))" }
        out.append("    bandwidth: {local: \(bw(m.memory.bandwidthLocal)), remote: \(bw(m.memory.bandwidthRemote))\(die)}")
        out.append("    parallelism: \(m.memory.parallelism)")
        out.append("  apic:")
        out.append("    mode: \(m.apic.mode.rawValue)")
        out.append("    send: \(d(m.apic.send))")
        out.append("    remote_accept_wait: \(d(m.apic.remoteAcceptWait))     # xapic mode only")
        out.append("    deliver: {socket: \(d(m.apic.deliverSocket)), remote: \(d(m.apic.deliverRemote))}")
        out.append("    handler: \(d(m.apic.handler))")
        out.append("    eoi: \(d(m.apic.eoi))")
        out.append("  idle_exit: \(d(m.idleExit))")
        out.append("  store_buffer: \(m.storeBufferOn ? String(m.storeBuffer) : "off")      # on: the microarchitecture's \(m.storeBuffer) entries per core")
        if !m.sources.isEmpty {
            out.append("# sources:")
            for (k, v) in m.sources { out.append("#   \(k): \(v)") }
        }
        return out.joined(separator: "\n") + "\n"
    }

    static func d(_ t: Picoseconds) -> String { Picoseconds.format(t).replacingOccurrences(of: " ", with: "") }

    static func size(_ b: UInt64) -> String {
        for (unit, scale) in [("TiB", UInt64(1) << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] where b >= scale && b % scale == 0 {
            return "\(b / scale)\(unit)"
        }
        return "\(b)B"
    }

    static func bw(_ b: UInt64) -> String {
        if b % 1_000_000_000 == 0 { return "\(b / 1_000_000_000)GB/s" }
        if b % 1_000_000 == 0 { return "\(b / 1_000_000)MB/s" }
        return "\(b)B/s"
    }
}
