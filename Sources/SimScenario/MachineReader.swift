import SimMachine

/// Reads `machine:`: a preset, then field-by-field overrides.
struct MachineReader {
    let check: Checker

    /// Store buffer entries per core at most (today's largest is Golden Cove's 114).
    static let maxStoreBuffer = 1024

    func read(_ node: YNode) -> MachineSpec? {
        let path = "machine"
        guard let f = check.mapping(node, path, ScenarioKeys.machine) else { return nil }
        var m = MachinePresets.teaching2s4c
        if let p = f["preset"] {
            if let name = check.choice(p, "machine.preset", MachinePresets.names) { m = MachinePresets.named(name)! } else { return nil }
        } else {
            m.name = "custom"
            m.summary = "custom machine (unset fields take teaching-2s4c's values)"
            m.sources = [("unset fields", "teaching-2s4c")]
        }
        let overridden = ScenarioKeys.machine.known.filter { $0 != "preset" && $0 != "name" && f[$0] != nil }
        if f["preset"] != nil && !overridden.isEmpty {
            // Results must not pass a modified preset off as the published machine.
            m.name += " (modified: \(overridden.joined(separator: ", ")))"
        }
        if let n = f["name"], let s = check.string(n, "machine.name") { m.name = s }
        var topo = m.topology
        var topoChanged = false
        func topoField(_ key: String, _ apply: (Int) -> Void, max hi: Int) {
            if let n = f[key], let v = check.int(n, "machine.\(key)", min: 1, max: hi) { apply(v); topoChanged = true }
        }
        let clusterGiven = f["cores_per_cluster"] != nil
        let dieGiven = f["cores_per_die"] != nil
        topoField("sockets", { topo.sockets = $0 }, max: 64)
        topoField("cores_per_socket", { topo.coresPerSocket = $0 }, max: 4096)
        topoField("threads_per_core", { topo.threadsPerCore = $0 }, max: 8)
        topoField("numa_nodes_per_socket", { topo.numaNodesPerSocket = $0 }, max: 64)
        topoField("cores_per_cluster", { topo.coresPerCluster = $0 }, max: 4096)
        topoField("cores_per_die", { topo.coresPerDie = $0 }, max: 4096)
        // A level the preset did not have stays absent when the socket grows or shrinks.
        if topoChanged && !clusterGiven && (topo.coresPerCluster > topo.coresPerSocket || m.topology.coresPerCluster == m.topology.coresPerSocket) {
            topo.coresPerCluster = topo.coresPerSocket
        }
        if topoChanged && !dieGiven && (topo.coresPerDie > topo.coresPerSocket || m.topology.coresPerDie == m.topology.coresPerSocket) {
            topo.coresPerDie = topo.coresPerSocket
        }
        if let n = f["socket_links"], let list = check.list(n, "machine.socket_links") {
            var links: [SocketLink] = []
            for (i, item) in list.enumerated() {
                let p = "machine.socket_links[\(i)]"
                guard case .sequence(let ends) = item.value, ends.count == 2 else {
                    check.error(item.mark, p, "expected a pair of socket indices, like [0, 1]"); continue
                }
                guard let a = check.int(ends[0], p + "[0]", min: 0, max: 63), let b = check.int(ends[1], p + "[1]", min: 0, max: 63) else { continue }
                links.append(SocketLink(a, b))
            }
            topo.socketLinks = links
        } else if topoChanged && topo.sockets != m.topology.sockets {
            topo.socketLinks = []  // the preset's links were drawn for its own socket count
        }
        for problem in topo.problems() { check.error((f["socket_links"] ?? node).mark, path, problem) }
        m.topology = topo
        if let n = f["frequency"], let v = check.frequency(n, "machine.frequency") { m.frequency = v }
        if let n = f["caches"] { readCaches(n, into: &m) }
        if let n = f["coherence"] { readCoherence(n, into: &m) }
        if let n = f["memory"] { readMemory(n, into: &m) }
        if let n = f["apic"] { readAPIC(n, into: &m) }
        if let n = f["idle_exit"] {
            if n.scalar == "0" { m.idleExit = .zero } else if let d = check.duration(n, "machine.idle_exit") { m.idleExit = d }
        }
        if let n = f["store_buffer"] {
            // on / off, or a number of entries (which turns it on; 0 turns it off).
            switch n.scalar {
            case "on": m.storeBufferOn = true
            case "off": m.storeBufferOn = false
            default:
                if let s = n.scalar, Int(s) == nil {
                    check.error(n.mark, "machine.store_buffer", "expected on, off or a number of entries (at most \(Self.maxStoreBuffer)), like 56; got '\(s)'")
                } else if let v = check.int(n, "machine.store_buffer", min: 0, max: Self.maxStoreBuffer) {
                    m.storeBuffer = v
                    m.storeBufferOn = v > 0
                }
            }
            if m.storeBufferOn && m.storeBuffer == 0 {
                check.error(n.mark, "machine.store_buffer", "machine '\(m.name)' gives no store buffer size: set a number of entries instead of 'on'")
            }
        }
        return m
    }

    private func readCaches(_ node: YNode, into m: inout MachineSpec) {
        let names = ["l1d", "l1i", "l2", "llc"]
        guard let f = check.mapping(node, "machine.caches", ScenarioKeys.caches) else { return }
        for name in names {
            guard let n = f[name] else { continue }
            let p = "machine.caches.\(name)"
            if n.scalar == "none" {  // a level the machine does not have (the base machine's goes)
                m.caches.removeAll { $0.name == name }
                continue
            }
            guard let c = check.mapping(n, p, ScenarioKeys.cacheLevel) else { continue }
            var level = m.caches.first { $0.name == name }
                ?? CacheLevel(name: name, sizeBytes: 32 << 10, ways: 8, latencyCycles: 4, shared: name == "llc" ? .socket : .core)
            if let v = c["size"], let s = check.size(v, p + ".size") { level.sizeBytes = s }
            if let v = c["ways"], let w = check.int(v, p + ".ways", min: 1, max: 1024) { level.ways = w }
            if let v = c["line"], let l = check.size(v, p + ".line") {
                if l < 8 || l > 4096 || l & (l - 1) != 0 {
                    check.error(v.mark, p + ".line", "a cache line is a power of two between 8B and 4KiB; got \(l) bytes")
                } else {
                    level.lineBytes = Int(l)
                }
            }
            if let v = c["latency"], let w = check.work(v, p + ".latency") { level.latencyCycles = w.cycles(at: m.frequency) }
            if let v = c["shared"], let s = check.choice(v, p + ".shared", CacheLevel.Sharing.allCases.map(\.rawValue)) {
                level.shared = CacheLevel.Sharing(rawValue: s)!
            }
            if let i = m.caches.firstIndex(where: { $0.name == name }) { m.caches[i] = level } else { m.caches.append(level) }
        }
        m.caches.sort { names.firstIndex(of: $0.name)! < names.firstIndex(of: $1.name)! }
    }

    private func readCoherence(_ node: YNode, into m: inout MachineSpec) {
        let p = "machine.coherence"
        guard let f = check.mapping(node, p, ScenarioKeys.coherence) else { return }
        if let v = f["packets"], let t = check.mapping(v, p + ".packets", ScenarioKeys.packets) {
            // Sizes in bytes of the coherence packets on socket links; request 0: not modeled.
            func bytes(_ key: String) -> Int? {
                guard let n = t[key] else { return nil }
                if n.scalar == "0" { return 0 }
                return check.size(n, p + ".packets." + key).map { Int(clamping: $0) }
            }
            if let b = bytes("request") { m.coherence.packets.request = b }
            if let b = bytes("response") { m.coherence.packets.response = b }
            if let b = bytes("data") { m.coherence.packets.data = b }
            let k = m.coherence.packets
            if k.request > 0 && k.data < 64 {
                check.error(v.mark, p + ".packets.data", "a data packet carries a 64-byte line: expected at least 64B, got \(k.data)B")
            }
        }
        if let v = f["snoop"], let s = check.choice(v, p + ".snoop", CoherenceSpec.Snoop.allCases.map(\.rawValue)) {
            m.coherence.snoop = .init(rawValue: s)!
        }
        if let v = f["hop"] {
            if v.scalar == "0" { m.coherence.hop = .zero } else if let d = check.duration(v, p + ".hop") { m.coherence.hop = d }
        }
        if let v = f["probe"] {
            if v.scalar == "0" { m.coherence.probe = .zero } else if let d = check.duration(v, p + ".probe") { m.coherence.probe = d }
        }
        if let v = f["protocol"], let s = check.choice(v, p + ".protocol", CoherenceSpec.ProtocolKind.allCases.map(\.rawValue)) {
            m.coherence.protocolKind = .init(rawValue: s)!
        }
        if let v = f["atomic"], let w = check.work(v, p + ".atomic") { m.coherence.atomicCycles = w.cycles(at: m.frequency) }
        if let v = f["transfer"], let t = check.mapping(v, p + ".transfer", ScenarioKeys.transfer) {
            if let n = t["smt"], let d = check.duration(n, p + ".transfer.smt") { m.coherence.smt = d }
            if let n = t["cluster"], let d = check.duration(n, p + ".transfer.cluster") { m.coherence.cluster = d }
            if let n = t["remote"], let d = check.duration(n, p + ".transfer.remote") { m.coherence.remote = d }
            if let n = t["via_home"] {
                if n.scalar == "0" { m.coherence.viaHome = .zero } else if let d = check.duration(n, p + ".transfer.via_home") { m.coherence.viaHome = d }
            }
            if let n = t["socket"], let values = perSocket(n, p + ".transfer.socket") { m.coherence.socket = values }
            if let n = t["die"], let values = perSocket(n, p + ".transfer.die") { m.coherence.die = values }
        }
    }

    /// A duration, or a list of durations (one per socket).
    private func perSocket(_ n: YNode, _ path: String) -> [Picoseconds]? {
        if case .sequence(let items) = n.value {
            let values = items.enumerated().compactMap { i, item in check.duration(item, path + "[\(i)]") }
            if items.isEmpty { check.error(n.mark, path, "expected a duration or a list of durations, one per socket") }
            return values.count == items.count && !values.isEmpty ? values : nil
        }
        return check.duration(n, path).map { [$0] }
    }

    private func readMemory(_ node: YNode, into m: inout MachineSpec) {
        let p = "machine.memory"
        guard let f = check.mapping(node, p, ScenarioKeys.memory) else { return }
        if let v = f["parallelism"], let n = check.int(v, p + ".parallelism", min: 1, max: 1024) { m.memory.parallelism = n }
        if let v = f["per_node"], let s = check.size(v, p + ".per_node") { m.memory.bytesPerNode = s }
        if let v = f["latency"], let l = check.mapping(v, p + ".latency", ScenarioKeys.memoryLatency) {
            if let n = l["local"], let d = check.duration(n, p + ".latency.local") { m.memory.latencyLocal = d }
            if let n = l["remote"], let d = check.duration(n, p + ".latency.remote") { m.memory.latencyRemote = d }
        }
        if let v = f["bandwidth"], let b = check.mapping(v, p + ".bandwidth", ScenarioKeys.bandwidth) {
            if let n = b["die"] {
                if n.scalar == "0" { m.memory.bandwidthDie = 0 } else if let x = check.bandwidth(n, p + ".bandwidth.die") { m.memory.bandwidthDie = x }
            }
            if let n = b["die_write"] {
                if n.scalar == "0" { m.memory.bandwidthDieWrite = 0 } else if let x = check.bandwidth(n, p + ".bandwidth.die_write") { m.memory.bandwidthDieWrite = x }
            }
            if let n = b["local"], let x = check.bandwidth(n, p + ".bandwidth.local") { m.memory.bandwidthLocal = x }
            if let n = b["remote"], let x = check.bandwidth(n, p + ".bandwidth.remote") { m.memory.bandwidthRemote = x }
        }
    }

    private func readAPIC(_ node: YNode, into m: inout MachineSpec) {
        let p = "machine.apic"
        guard let f = check.mapping(node, p, ScenarioKeys.apic) else { return }
        if let v = f["mode"], let s = check.choice(v, p + ".mode", APICSpec.Mode.allCases.map(\.rawValue)) { m.apic.mode = .init(rawValue: s)! }
        if let v = f["send"], let d = check.duration(v, p + ".send") { m.apic.send = d }
        if let v = f["remote_accept_wait"], let d = check.duration(v, p + ".remote_accept_wait") { m.apic.remoteAcceptWait = d }
        if let v = f["handler"], let d = check.duration(v, p + ".handler") { m.apic.handler = d }
        if let v = f["eoi"], let d = check.duration(v, p + ".eoi") { m.apic.eoi = d }
        if let v = f["deliver"], let dl = check.mapping(v, p + ".deliver", ScenarioKeys.apicDeliver) {
            if let n = dl["socket"], let d = check.duration(n, p + ".deliver.socket") { m.apic.deliverSocket = d }
            if let n = dl["remote"], let d = check.duration(n, p + ".deliver.remote") { m.apic.deliverRemote = d }
        }
    }
}
