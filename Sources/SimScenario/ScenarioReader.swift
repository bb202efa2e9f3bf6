import struct Foundation.URL
import SimKernelModel
import SimMachine
import SimWorkloads

/// An expectation on a result metric, checked after a run.
public struct Expectation: Sendable {
    public var metric: String
    public var variant: String?
    /// Bounds apply to the ratio of the metric to its value in this variant, at the same
    /// sweep point (nil: to the value itself).
    public var relativeTo: String?
    /// Only at the sweep points with these values (as written in the sweep).
    public var at: [(key: String, value: String)] = []
    public var min: Double?
    public var max: Double?
    public var line: Int

    /// A check no line of the scenario wrote (`mksim check` fails a stalled run by one).
    public static func implicit(_ metric: String) -> Expectation { Expectation(metric: metric, line: 0) }
}

/// A scenario point read into a runnable configuration.
public struct ReadScenario: Sendable {
    public var name: String
    public var description: String
    public var config: SimulationConfig
    public var expectations: [Expectation]
    /// The file, and where each kernel, channel, workload, device and move is written in it
    /// (the build step's errors name the item they are about).
    public var file = ""
    public var sources: [ConfigurationSubject: ItemSource] = [:]
}

/// Reads a (variant-merged, overridden) scenario tree into a `SimulationConfig`.
struct ScenarioReader {
    let check: Checker

    func read(_ root: YNode) -> ReadScenario? {
        guard let f = check.mapping(root, "", ScenarioKeys.top) else {
            return nil
        }
        if let v = f["mksim"], let version = check.int(v, "mksim", min: 0), version != 1 {
            check.error(v.mark, "mksim", "this mksim reads format version 1; the file says \(version)")
        }
        let name = f["name"].flatMap { check.string($0, "name") } ?? ""
        let description = f["description"].flatMap { check.string($0, "description") } ?? ""
        let seed = f["seed"].flatMap { check.uint64($0, "seed") } ?? 1
        let duration = f["duration"].flatMap { check.duration($0, "duration") }
        guard let machineNode = f["machine"], let machine = MachineReader(check: check).read(machineNode) else { return nil }

        var kernels = readKernels(f["kernels"], machine: machine)
        let channels = readChannels(f["channels"], kernels: kernels ?? [], machine: machine)
        if kernels != nil { readShutdowns(f["kernels"], kernels: &kernels!, channels: channels.map(\.0)) }
        let workloads = readWorkloads(f["workloads"], kernels: kernels ?? [], channels: channels, machine: machine,
                                      runDuration: duration)
        let moves = readMoves(f["moves"], kernels: kernels ?? [], channels: channels.map(\.0))
        let devices = readDevices(f["devices"], kernels: kernels ?? [], duration: duration)
        let expectations = readExpectations(f["expect"])
        guard let kernels, let workloads, check.diagnostics.isEmpty else { return nil }
        var config = SimulationConfig(machine: machine, kernels: kernels, channels: channels.map(\.0), workloads: workloads,
                                      seed: seed, duration: duration)
        config.moves = moves
        config.devices = devices
        var read = ReadScenario(name: name, description: description, config: config, expectations: expectations, file: check.file)
        // One configuration item per list item (the config exists only when every item read).
        func note(_ key: String, _ subjects: [ConfigurationSubject]) {
            guard let node = f[key], case .sequence(let items) = node.value else { return }
            for (i, (item, subject)) in zip(items, subjects).enumerated() {
                var source = ItemSource(mark: item.mark, path: "\(key)[\(i)]")
                if case .mapping(let pairs) = item.value { for pair in pairs { source.keys[pair.key] = pair.keyMark } }
                read.sources[subject] = source
            }
        }
        if let m = f["machine"] { read.sources[.machine] = ItemSource(mark: m.mark, path: "machine") }
        note("kernels", kernels.map { .kernel($0.name) })
        note("channels", channels.map { .channel($0.0.name) })
        note("workloads", workloads.map { .workload($0.name) })
        note("devices", devices.map { .device($0.name) })
        note("moves", moves.indices.map { .move($0) })
        return read
    }

    // MARK: Resource moves

    /// A memory move's keys: `memory` (whole 128 MiB blocks, less than the donor has),
    /// `in_use` (share of it holding pages to migrate out first), `migrate_page`.
    private func readMemoryMove(_ f: [String: YNode], _ p: String, donor: KernelConfig?, givenAway: inout [String: UInt64]) -> MemoryMove? {
        for key in ["in_use", "migrate_page"] where f[key] != nil && f["memory"] == nil {
            check.error(f[key]!.mark, p + "." + key, "'\(key)' belongs to a memory move; this move has no 'memory'")
        }
        guard let mn = f["memory"], let bytes = check.size(mn, p + ".memory") else { return nil }
        guard bytes > 0, bytes % MemoryMove.blockBytes == 0 else {
            check.error(mn.mark, p + ".memory", "memory moves by whole memory blocks of 128MiB; got \(bytes) bytes")
            return nil
        }
        if let donor {
            // Its moves together must leave it some memory.
            let before = givenAway[donor.name, default: 0]
            guard before + bytes < donor.memoryBytes else {
                let earlier = before > 0 ? " after its earlier moves' \(before >> 20) MiB" : ""
                check.error(mn.mark, p + ".memory", "kernel '\(donor.name)' has \(donor.memoryBytes >> 20) MiB: it would be left without memory\(earlier)")
                return nil
            }
            givenAway[donor.name] = before + bytes
        }
        var move = MemoryMove(bytes: bytes)
        if let v = f["in_use"] { guard let x = check.fraction(v, p + ".in_use") else { return nil }; move.inUse = x }
        if let v = f["migrate_page"] { guard let d = check.duration(v, p + ".migrate_page") else { return nil }; move.migrateOverhead = d }
        return move
    }

    private func readMoves(_ node: YNode?, kernels: [KernelConfig], channels: [ChannelConfig]) -> [ResourceMove] {
        guard let node, let items = check.list(node, "moves") else { return [] }
        var out: [ResourceMove] = []
        var givenAway: [String: UInt64] = [:]
        for (i, item) in items.enumerated() {
            let p = "moves[\(i)]"
            guard let f = check.mapping(item, p, ScenarioKeys.move) else { continue }
            func kernel(_ key: String) -> Int? {
                guard let n = f[key], let name = check.string(n, p + "." + key) else { return nil }
                if let k = kernels.firstIndex(where: { $0.name == name }) { return k }
                let hint = nearest(name, in: kernels.map(\.name)).map { "; did you mean '\($0)'?" } ?? ""
                check.error(n.mark, p + "." + key, "no kernel named '\(name)'\(hint)")
                return nil
            }
            let at = f["at"].flatMap { check.duration($0, p + ".at") }
            let from = kernel("from"), to = kernel("to")
            var cpus: [Int] = []
            if let cn = f["cpus"], let list = check.list(cn, p + ".cpus") {
                cpus = list.enumerated().compactMap { j, c in check.int(c, p + ".cpus[\(j)]", min: 0, max: 1 << 16) }
            }
            let memory = readMemoryMove(f, p, donor: from.map { kernels[$0] }, givenAway: &givenAway)
            switch (f["cpus"], f["memory"]) {
            // The shape of one item is the reader's (so that every such problem shows at once);
            // how items fit together (kernels, CPUs, channels) is the build step's.
            case (nil, nil): check.error(item.mark, p, "a move hands over 'cpus' or 'memory'; neither is given")
            case (.some, .some(let mn)): check.error(mn.mark, p + ".memory", "a move hands over CPUs or memory, not both (give each its own move)")
            default: break
            }
            guard let at, let from, let to, !cpus.isEmpty || memory != nil, cpus.isEmpty || memory == nil else { continue }
            var move = ResourceMove(at: at, cpus: cpus, from: from, to: to, memory: memory)
            if let d = f["per_cpu"].flatMap({ check.duration($0, p + ".per_cpu") }) { move.perCPU = d }
            if let cn = f["channel"], let name = check.string(cn, p + ".channel") {
                // Whether it connects the two kernels and can carry RESOURCE and ACK is the
                // build step's to say.
                if let ci = channels.firstIndex(where: { $0.name == name }) {
                    move.channel = ci
                } else {
                    let hint = nearest(name, in: channels.map(\.name)).map { "; did you mean '\($0)'?" } ?? ""
                    check.error(cn.mark, p + ".channel", "no channel named '\(name)'\(hint)")
                }
            }
            out.append(move)
        }
        return out
    }

    // MARK: Kernels

    private func readKernels(_ node: YNode?, machine: MachineSpec) -> [KernelConfig]? {
        guard let node, let items = check.list(node, "kernels") else { return nil }
        if items.isEmpty { check.error(node.mark, "kernels", "at least one kernel is needed (one over all CPUs is the SMP baseline)") }
        var out: [KernelConfig] = []
        var taken: [Int: String] = [:]
        let topo = machine.topology
        for (i, item) in items.enumerated() {
            let p = "kernels[\(i)]"
            guard let f = check.mapping(item, p, ScenarioKeys.kernel) else { continue }
            let name = f["name"].flatMap { check.string($0, p + ".name") } ?? "kernel\(i)"
            if out.contains(where: { $0.name == name }) { check.error((f["name"] ?? item).mark, p + ".name", "kernel name '\(name)' is used twice") }
            var cpus: [Int] = []
            if let cn = f["cpus"] {
                let free = (0..<topo.cpuCount).filter { taken[$0] == nil }
                if let parsed = cpuList(cn, p + ".cpus", topology: topo, free: free) {
                    for c in parsed {
                        if let other = taken[c] {
                            check.error(cn.mark, p + ".cpus", "CPU \(c) already belongs to kernel '\(other)'")
                            break
                        }
                    }
                    for c in parsed { taken[c] = taken[c] ?? name }
                    cpus = parsed
                }
            }
            var node = cpus.first.map { topo.numaNode(of: $0) } ?? 0
            var size: UInt64 = 1 << 30
            if let mn = f["memory"], let m = check.mapping(mn, p + ".memory", ScenarioKeys.kernelMemory) {
                if let s = m["size"], let v = check.size(s, p + ".memory.size") { size = v }
                if let n = m["node"], let v = check.int(n, p + ".memory.node", min: 0, max: topo.numaNodeCount - 1) { node = v }
            }
            var scheduler = SchedulerConfig()
            if let sn = f["scheduler"] {
                let policies = SchedulerRegistry.names
                if sn.scalar != nil {
                    if let s = check.choice(sn, p + ".scheduler", policies) { scheduler.policy = s }
                } else if let s = check.mapping(sn, p + ".scheduler", ScenarioKeys.scheduler) {
                    if let v = s["policy"], let name = check.choice(v, p + ".scheduler.policy", policies) { scheduler.policy = name }
                    if let d = positiveDuration(s["tick"], p + ".scheduler.tick") { scheduler.tick = d }
                    if let v = s["balance"] {
                        if v.scalar == "off" { scheduler.balance = nil } else if let d = positiveDuration(v, p + ".scheduler.balance", or: "off") {
                            scheduler.balance = d
                        }
                    }
                    if let d = positiveDuration(s["rr_slice"], p + ".scheduler.rr_slice") { scheduler.rrSlice = d }
                }
            }
            var profile = SyscallProfile.linux
            if let pn = f["profile"], let s = check.string(pn, p + ".profile") {
                if s.hasSuffix(".yaml") || s.hasSuffix(".yml") {
                    // A profile file, relative to the scenario's directory.
                    let base = URL(fileURLWithPath: check.file).deletingLastPathComponent()
                    let path = s.hasPrefix("/") ? s : base.appendingPathComponent(s).path
                    if let loaded = ProfileReader.load(path: path, into: check) { profile = loaded }
                } else if let builtin = SyscallProfile.builtin(s) {
                    profile = builtin
                } else {
                    _ = check.choice(pn, p + ".profile", SyscallProfile.builtins.map(\.name) + ["a file ending in .yaml"])
                }
            }
            var boot = BootConfig()
            if let bn = f["boot"], let b = check.mapping(bn, p + ".boot", ScenarioKeys.boot) {
                if let a = b["at"] {
                    if a.scalar == "0" { boot.at = .zero } else if let d = check.duration(a, p + ".boot.at") { boot.at = d }
                }
                if let v = b["via"], let s = check.choice(v, p + ".boot.via", BootConfig.Via.allCases.map(\.rawValue)) { boot.via = .init(rawValue: s)! }
                if let v = b["image"], let s = check.size(v, p + ".boot.image") { boot.imageBytes = s }
                if let v = b["init"], let d = check.duration(v, p + ".boot.init") { boot.kernelInit = d }
                if let v = b["per_cpu"], let d = check.duration(v, p + ".boot.per_cpu") { boot.perCPU = d }
                if let v = b["bringup"], let s = check.choice(v, p + ".boot.bringup", BootConfig.Bringup.allCases.map(\.rawValue)) {
                    boot.bringup = .init(rawValue: s)!
                }
                for key in ["image", "init", "per_cpu", "bringup"] where b[key] != nil && boot.via != .kexec {
                    check.error(b[key]!.mark, p + ".boot." + key, "'\(key)' describes a kexec boot; add via: kexec")
                }
            }
            var kernel = KernelConfig(name: name, cpus: cpus, memoryNode: node, memoryBytes: size, scheduler: scheduler,
                                      profile: profile, boot: boot)
            if let pn = f["panic"], let pm = check.mapping(pn, p + ".panic", ScenarioKeys.panic),
               let a = pm["at"], let d = check.duration(a, p + ".panic.at") {
                kernel.panicAt = d
                if let r = pm["respawn"] { kernel.respawnAfter = r.scalar == "0" ? .zero : check.duration(r, p + ".panic.respawn") }
            }
            if let wn = f["llc_ways"] { kernel.llcWays = llcWays(wn, p + ".llc_ways", machine: machine) ?? [] }
            if let hn = f["hotplug"], let events = check.list(hn, p + ".hotplug") {
                for (j, en) in events.enumerated() {
                    let q = p + ".hotplug[\(j)]"
                    guard let e = check.mapping(en, q, ScenarioKeys.hotplug) else { continue }
                    guard (e["offline"] == nil) != (e["online"] == nil) else {
                        check.error(en.mark, q, "give either offline or online (a CPU set), like {at: 10ms, offline: [3]}")
                        continue
                    }
                    let at = e["at"].flatMap { $0.scalar == "0" ? .zero : check.duration($0, q + ".at") }
                    let key = e["offline"] != nil ? "offline" : "online"
                    let set = cpuList(e[key]!, q + "." + key, topology: topo, free: cpus)
                    for c in set ?? [] where !cpus.contains(c) {
                        check.error(e[key]!.mark, q + "." + key, "CPU \(c) is not one of kernel '\(name)''s CPUs")
                    }
                    if let at, let set { kernel.hotplug.append(HotplugEvent(at: at, cpus: set, online: key == "online")) }
                }
            }
            out.append(kernel)
        }
        return out
    }

    func cpuList(_ node: YNode, _ path: String, topology: Topology, free: [Int]) -> [Int]? {
        let text: String
        var isList = false
        if case .sequence(let items) = node.value {
            text = items.compactMap(\.scalar).joined(separator: ",")
            isList = true
        } else if let s = check.scalar(node, path, expected: "a CPU set like all, socket0, 0-15,32-47 or a count") {
            text = s
        } else {
            return nil
        }
        switch CPUList.parse(text, topology: topology, free: free, allowCount: !isList) {
        case .success(let cpus): return cpus
        case .failure(let e):
            check.error(node.mark, path, "bad CPU set '\(text)': \(e.why) (accepted: all, socketN, nodeN, ranges like 0-15,32-47, or a count)")
            return nil
        }
    }

    /// A kernel's cache partition: ways of the machine's last level, like `0-7` or [0, 1].
    private func llcWays(_ node: YNode, _ path: String, machine: MachineSpec) -> [Int]? {
        guard let llc = machine.caches.first(where: { $0.shared != .core }) else {
            check.error(node.mark, path, "machine '\(machine.name)' has no shared last-level cache to partition")
            return nil
        }
        guard llc.ways <= 64 else {
            check.error(node.mark, path, "the last-level cache has \(llc.ways) ways; partitions are supported up to 64")
            return nil
        }
        let text: String
        if case .sequence(let items) = node.value {
            text = items.compactMap(\.scalar).joined(separator: ",")
        } else if let s = check.scalar(node, path, expected: "a set of ways like 0-7 or [0, 1, 2]") {
            text = s
        } else {
            return nil
        }
        switch IndexList.parse(text, count: llc.ways, noun: "way") {
        case .success(let ways): return ways
        case .failure(let e):
            check.error(node.mark, path, "bad way set '\(text)': \(e.why) (\(llc.name) has ways 0-\(llc.ways - 1); write ranges like 0-7)")
            return nil
        }
    }

    /// `kernels[].shutdown: {at, channel}`, read once the channels are known.
    private func readShutdowns(_ node: YNode?, kernels: inout [KernelConfig], channels: [ChannelConfig]) {
        guard let node, case .sequence(let items) = node.value else { return }
        for (i, item) in items.enumerated() where i < kernels.count {
            guard case .mapping = item.value, let sn = item["shutdown"] else { continue }
            let p = "kernels[\(i)].shutdown"
            guard let s = check.mapping(sn, p, ScenarioKeys.shutdown) else { continue }
            kernels[i].shutdownAt = s["at"].flatMap { check.duration($0, p + ".at") }
            guard let cn = s["channel"], let name = check.string(cn, p + ".channel") else { continue }
            guard let ci = channels.firstIndex(where: { $0.name == name }) else {
                let hint = nearest(name, in: channels.map(\.name)).map { "; did you mean '\($0)'?" } ?? ""
                check.error(cn.mark, p + ".channel", "no channel named '\(name)'\(hint)")
                continue
            }
            let ch = channels[ci]
            if ch.kernels.0 != i && ch.kernels.1 != i {
                check.error(cn.mark, p + ".channel", "channel '\(name)' does not reach kernel '\(kernels[i].name)'")
            } else if !ch.transport.traits.carriesKernelMessages {
                check.error(cn.mark, p + ".channel", "a shutdown is taken in interrupt context: channel '\(name)' must be \(ChannelTransport.named { $0.carriesKernelMessages }), not \(ch.transport.rawValue)")
            } else {
                kernels[i].shutdownChannel = ci
            }
        }
    }

    // MARK: Channels

    private func readChannels(_ node: YNode?, kernels: [KernelConfig], machine: MachineSpec) -> [(ChannelConfig, String)] {
        guard let node, let items = check.list(node, "channels") else { return [] }
        var out: [(ChannelConfig, String)] = []
        for (i, item) in items.enumerated() {
            let p = "channels[\(i)]"
            guard let f = check.mapping(item, p, ScenarioKeys.channel) else { continue }
            var ends: [Int] = []
            if let b = f["between"], let list = check.list(b, p + ".between") {
                if list.count != 2 { check.error(b.mark, p + ".between", "expected two kernel names, like [host, spawn]") }
                for (j, k) in list.enumerated() {
                    guard let kn = check.string(k, p + ".between[\(j)]") else { continue }
                    if let idx = kernels.firstIndex(where: { $0.name == kn }) { ends.append(idx) } else {
                        let hint = nearest(kn, in: kernels.map(\.name)).map { "; did you mean '\($0)'?" } ?? ""
                        check.error(k.mark, p + ".between[\(j)]", "no kernel named '\(kn)'\(hint)")
                    }
                }
            }
            guard ends.count == 2 else { continue }
            let name = f["name"].flatMap { check.string($0, p + ".name") } ?? "\(kernels[ends[0]].name)-\(kernels[ends[1]].name)"
            if out.contains(where: { $0.1 == name }) { check.error((f["name"] ?? item).mark, p + ".name", "channel name '\(name)' is used twice") }
            let transport = f["transport"].flatMap { check.choice($0, p + ".transport", ChannelTransport.allCases.map(\.rawValue)) }
                .flatMap(ChannelTransport.init(rawValue:)) ?? .linux
            var ch = ChannelConfig(name: name, kernels: (ends[0], ends[1]), transport: transport)
            if let v = f["stub"], let w = check.work(v, p + ".stub") { ch.stubCycles = w.cycles(at: machine.frequency) }
            if let v = f["poll"] {
                if v.scalar == "spin" || v.scalar == "0" { ch.pollInterval = .zero } else if let d = check.duration(v, p + ".poll") { ch.pollInterval = d }
            }
            if let v = f["heartbeat"], let d = positiveDuration(v, p + ".heartbeat") {
                ch.heartbeat = d
                if !transport.traits.carriesKernelMessages {
                    check.error(v.mark, p + ".heartbeat", "heartbeats are drained by the receiving kernel's interrupt handler: use a \(ChannelTransport.named { $0.carriesKernelMessages }) channel")
                }
            }
            if let v = f["timeout"], let d = check.duration(v, p + ".timeout") {
                ch.timeout = d
                if !transport.traits.senderCanTimeOut {
                    check.error(v.mark, p + ".timeout", "a \(transport.rawValue) sender holds its ticket's slot and cannot give it up; timeouts apply to \(ChannelTransport.named { $0.senderCanTimeOut }) channels")
                }
            }
            for key in ["stub", "poll"] where f[key] != nil && !transport.traits.ackLineAndStub {
                check.error(f[key]!.mark, p + "." + key, "'\(key)' applies to \(ChannelTransport.named { $0.ackLineAndStub }) channels; this one uses \(transport.rawValue)")
            }
            if let v = f["slots"], let n = check.int(v, p + ".slots", min: 1, max: 1 << 16) { ch.slots = n }
            if let v = f["slot_size"], let s = check.size(v, p + ".slot_size") { ch.slotBytes = Int(clamping: min(s, 1 << 40)) }
            if let v = f["notify"], let n = check.choice(v, p + ".notify", ["ipi", "poll"]) {
                // Each transport has one notification scheme; the key documents it and catches mismatches.
                let expected = transport.traits.notification
                if n != expected { check.error(v.mark, p + ".notify", "transport \(transport.rawValue) notifies by \(expected)") }
            }
            if let v = f["handling"], let d = check.duration(v, p + ".handling") { ch.handling = d }
            if let v = f["budget"], let n = check.int(v, p + ".budget", min: 1, max: 1 << 16) { ch.drainBudget = n }
            out.append((ch, name))
        }
        return out
    }

    // MARK: Workloads

    private func readWorkloads(_ node: YNode?, kernels: [KernelConfig], channels: [(ChannelConfig, String)],
                               machine: MachineSpec, runDuration: Picoseconds?) -> [WorkloadConfig]? {
        guard let node, let items = check.list(node, "workloads") else { return nil }
        var out: [WorkloadConfig] = []
        for (i, item) in items.enumerated() {
            let p = "workloads[\(i)]"
            guard let f = check.mapping(item, p, ScenarioKeys.workload) else { continue }
            let name = f["name"].flatMap { check.string($0, p + ".name") } ?? "workload\(i)"
            if out.contains(where: { $0.name == name }) { check.error((f["name"] ?? item).mark, p + ".name", "workload name '\(name)' is used twice") }
            // Placement.
            var on: [Int] = Array(kernels.indices)
            if let o = f["on"] {
                let names: [YNode] = { if case .sequence(let s) = o.value { return s } else { return [o] } }()
                if names.count == 1, names[0].scalar == "all" { on = Array(kernels.indices) } else {
                    on = []
                    for (j, n) in names.enumerated() {
                        guard let kn = check.string(n, p + ".on") else { continue }
                        if let idx = kernels.firstIndex(where: { $0.name == kn }) { on.append(idx) } else {
                            let hint = nearest(kn, in: kernels.map(\.name)).map { "; did you mean '\($0)'?" } ?? ""
                            check.error(n.mark, names.count > 1 ? p + ".on[\(j)]" : p + ".on", "no kernel named '\(kn)' (or use all)\(hint)")
                        }
                    }
                }
            }
            var perCopy: [Int] = Array(repeating: 1, count: on.count)
            if f["threads"] != nil && f["total_threads"] != nil {
                check.error(f["total_threads"]!.mark, p + ".total_threads", "give either threads (per kernel) or total_threads (split over the kernels), not both")
            } else if let t = f["threads"], let n = check.int(t, p + ".threads", min: 0, max: 1 << 20) {
                perCopy = Array(repeating: n, count: on.count)
            } else if let t = f["total_threads"], let n = check.int(t, p + ".total_threads", min: 0, max: 1 << 20), !on.isEmpty {
                perCopy = on.indices.map { n / on.count + ($0 < n % on.count ? 1 : 0) }
            }
            var pin: [Int]?
            if let pn = f["pin"] {
                pin = cpuList(pn, p + ".pin", topology: machine.topology, free: Array(0..<machine.topology.cpuCount))
                if case .sequence(let list) = pn.value {
                    // Keep the order the user wrote (thread i on the i-th CPU).
                    let ordered = list.compactMap { $0.scalar.flatMap { Int($0) } }
                    if ordered.count == list.count { pin = ordered }
                }
            }
            var start = Picoseconds.zero
            if let s = f["start"] { if s.scalar == "0" { start = .zero } else if let d = check.duration(s, p + ".start") { start = d } }
            let generator: WorkloadGenerator, stop: StopRule
            if let tn = f["trace"] {
                if f["generate"] != nil { check.error(tn.mark, p + ".trace", "give either generate (a synthetic workload) or trace, not both") }
                for key in ["threads", "total_threads"] where f[key] != nil {
                    check.error(f[key]!.mark, p + "." + key, "a trace brings its own threads; its workload places them on the kernels of 'on' in turn")
                }
                guard let trace = readTrace(tn, p + ".trace") else { continue }
                generator = .trace(trace)
                stop = StopRule()
                perCopy = Array(repeating: 1, count: on.count)
            } else {
                guard let g = f["generate"] else {
                    check.error(item.mark, p, "missing required key 'generate' (or 'trace')")
                    continue
                }
                guard let (g2, s2) = readGenerator(g, p + ".generate", kernels: kernels, on: on, channels: channels,
                                                   machine: machine) else { continue }
                (generator, stop) = (g2, s2)
            }
            if let g = f["generate"], stop.iterations == nil && stop.duration == nil && runDuration == nil {
                check.error(g.mark, p + ".generate", "this workload would run forever: give iterations or duration here, or a top-level duration")
            }
            var copies: [WorkloadConfig.Copy] = []
            for (j, k) in on.enumerated() where perCopy[j] > 0 {
                var copyPin: [Int]?
                if let pin {
                    let mine = pin.filter { kernels[k].cpus.contains($0) }
                    if mine.isEmpty {
                        check.error(f["pin"]!.mark, p + ".pin", "none of the pinned CPUs belongs to kernel '\(kernels[k].name)'")
                    }
                    copyPin = mine.isEmpty ? nil : mine
                }
                if case .ipiRing = generator { perCopy[j] = copyPin?.count ?? kernels[k].cpus.count }  // one task per ring CPU
                copies.append(.init(kernel: k, threads: perCopy[j], pin: copyPin))
            }
            let nice = f["nice"].flatMap { n -> Int? in
                guard let s = check.scalar(n, p + ".nice", expected: "a nice value from -20 to 19"), let v = Int(s), (-20...19).contains(v) else {
                    if n.scalar != nil { check.error(n.mark, p + ".nice", "expected a nice value from -20 (most CPU) to 19; got '\(n.scalar!)'") }
                    return nil
                }
                return v
            } ?? 0
            var realtime: RealtimeConfig?
            if let rn = f["realtime"], let r = check.mapping(rn, p + ".realtime", ScenarioKeys.realtime) {
                let priority = r["priority"].flatMap { check.int($0, p + ".realtime.priority", min: 1, max: 99) }
                let policy = r["policy"].flatMap { check.choice($0, p + ".realtime.policy", ["fifo", "rr"]) } ?? "fifo"
                if let priority { realtime = RealtimeConfig(priority: UInt8(priority), roundRobin: policy == "rr") }
            }
            var stagger = Picoseconds.zero
            if let s = f["stagger"], s.scalar != "0", let d = check.duration(s, p + ".stagger") { stagger = d }
            if case .sharedPages = generator { checkPopcornChannels(between: on, kernels: kernels, channels: channels.map(\.0), at: (f["on"] ?? item).mark, p + ".on") }
            var workload = WorkloadConfig(name: name, copies: copies, generator: generator, stop: stop, startAt: start, nice: nice,
                                          realtime: realtime, stagger: stagger)
            if let d = positiveDuration(f["slice"], p + ".slice") { workload.slice = d }
            if let mn = f["migrate"], let m = check.mapping(mn, p + ".migrate", ScenarioKeys.migrate),
               let at = m["at"].flatMap({ check.duration($0, p + ".migrate.at") }), let tn = m["to"], let toName = check.string(tn, p + ".migrate.to") {
                if let to = kernels.firstIndex(where: { $0.name == toName }) {
                    // A shared region has a copy of its pages in each instance it spans, and no other.
                    if case .sharedPages = generator, !copies.contains(where: { $0.kernel == to }) {
                        check.error(tn.mark, p + ".migrate.to", "a shared-pages workload can move only to an instance it already spans (\(Set(copies.map { kernels[$0.kernel].name }).sorted().joined(separator: ", ")))")
                    }
                    var migration = TaskMigration(at: at, to: to)
                    if let s = m["state"].flatMap({ check.size($0, p + ".migrate.state") }) { migration.stateBytes = s }
                    workload.migrate = migration
                } else {
                    let hint = nearest(toName, in: kernels.map(\.name)).map { "; did you mean '\($0)'?" } ?? ""
                    check.error(tn.mark, p + ".migrate.to", "no kernel named '\(toName)'\(hint)")
                }
            }
            out.append(workload)
        }
        return out
    }

    /// Shared pages' requests and answers travel on a popcorn channel between every two of
    /// the instances they span (the transport that splits a page into chunks).
    private func checkPopcornChannels(between on: [Int], kernels: [KernelConfig], channels: [ChannelConfig], at mark: SourceMark, _ path: String) {
        let members = on.reduce(into: [Int]()) { if !$0.contains($1) { $0.append($1) } }
        for (i, a) in members.enumerated() {
            for b in members[(i + 1)...] where !channels.contains(where: { Set([$0.kernels.0, $0.kernels.1]) == [a, b] && $0.transport.traits.splitsMessages }) {
                check.error(mark, path, "shared pages between '\(kernels[a].name)' and '\(kernels[b].name)' need a \(ChannelTransport.named { $0.splitsMessages }) channel between them")
            }
        }
    }

    /// `trace: {path, format, executable, load_address, locks}`; the file opened (converted
    /// once per process when it is not a native binary trace).
    private func readTrace(_ node: YNode, _ p: String) -> TraceWorkload? {
        guard let f = check.mapping(node, p, ScenarioKeys.trace),
              let pn = f["path"], let path = check.string(pn, p + ".path") else { return nil }
        let base = URL(fileURLWithPath: check.file).deletingLastPathComponent()
        func resolve(_ s: String) -> String { s.hasPrefix("/") ? s : base.appendingPathComponent(s).path }
        var format = TraceFormat.native
        if let fn = f["format"], let s = check.choice(fn, p + ".format", TraceFormat.allCases.map(\.rawValue)) { format = TraceFormat(rawValue: s)! }
        var options = ImportOptions()
        if let e = f["executable"], let s = check.string(e, p + ".executable") { options.executable = resolve(s) }
        if let l = f["load_address"], let s = check.string(l, p + ".load_address") {
            if let v = UInt64(s.hasPrefix("0x") ? String(s.dropFirst(2)) : s, radix: 16) { options.loadAddress = v } else {
                check.error(l.mark, p + ".load_address", "expected a hexadecimal address like 0x555555554000; got '\(s)'")
            }
        }
        if let o = f["op_at"], let s = check.string(o, p + ".op_at") { options.opAt = s }
        var locks = LockAlgorithm.mutex
        if let ln = f["locks"], let s = check.choice(ln, p + ".locks", LockAlgorithm.allCases.map(\.rawValue)) { locks = LockAlgorithm(rawValue: s)! }
        do {
            let file = try TraceLoader.open(path: resolve(path), format: format, options: options)
            return TraceWorkload(file: file, locks: locks)
        } catch {
            check.error(pn.mark, p + ".path", "cannot read the trace: \(error.description)")
            return nil
        }
    }

    private func readGenerator(_ node: YNode, _ p: String, kernels: [KernelConfig], on: [Int],
                               channels: [(ChannelConfig, String)], machine: MachineSpec) -> (WorkloadGenerator, StopRule)? {
        let kinds = ScenarioKeys.generators.map(\.kind).sorted()
        guard case .mapping = node.value, let kindNode = node["kind"] else {
            check.error(node.mark, p, "expected a mapping with a kind (one of \(kinds.joined(separator: ", ")))")
            return nil
        }
        guard let kind = check.choice(kindNode, p + ".kind", kinds) else { return nil }
        let known = ScenarioKeys.generatorCommon.map(\.name) + ScenarioKeys.generators.first { $0.kind == kind }!.keys.map(\.name)
        guard let f = check.mapping(node, p, known: known) else { return nil }
        var stop = StopRule()
        if let v = f["iterations"], let n = check.uint64(v, p + ".iterations") { stop.iterations = n }
        if let v = f["duration"], let d = check.duration(v, p + ".duration") { stop.duration = d }
        let freq = machine.frequency
        func cycles(_ key: String) -> UInt64 { f[key].flatMap { check.work($0, p + "." + key) }?.cycles(at: freq) ?? 0 }
        switch kind {
        case "syscall-loop":
            guard let sn = f["syscall"] else { check.error(node.mark, p + ".syscall", "missing required key 'syscall'"); return nil }
            guard let name = check.string(sn, p + ".syscall") else { return nil }
            // Checked even when `on` itself was wrong, so that both mistakes are reported.
            for k in (on.isEmpty ? Array(kernels.indices) : on) where kernels[k].profile.syscallIndex(name) == nil {
                let known = kernels[k].profile.syscalls.map(\.name)
                let hint = nearest(name, in: known).map { "did you mean '\($0)'? " } ?? ""
                check.error(sn.mark, p + ".syscall", "profile '\(kernels[k].profile.name)' has no syscall '\(name)'; \(hint)known: \(known.joined(separator: ", "))")
                return nil
            }
            let sleep = f["every"].flatMap { check.duration($0, p + ".every") } ?? .zero
            return (.syscallLoop(syscall: name, userCycles: cycles("user"), sleep: sleep), stop)
        case "will-it-scale":
            guard let tn = f["testcase"] else { check.error(node.mark, p + ".testcase", "missing required key 'testcase'"); return nil }
            guard let name = check.choice(tn, p + ".testcase", WillItScaleTestcase.all.map(\.name)),
                  let testcase = WillItScaleTestcase.named(name) else { return nil }
            let mode = f["mode"].flatMap { check.choice($0, p + ".mode", WillItScaleMode.allCases.map(\.rawValue)) }
                .flatMap(WillItScaleMode.init(rawValue:)) ?? .processes
            for k in (on.isEmpty ? Array(kernels.indices) : on) {
                let missing = testcase.paths.filter { kernels[k].profile.syscallIndex($0) == nil }
                guard missing.isEmpty else {
                    check.error(tn.mark, p + ".testcase", "\(name) walks the kernel paths \(missing.joined(separator: ", ")), which profile '\(kernels[k].profile.name)' does not have (profiles/linux.yaml has every testcase's)")
                    return nil
                }
            }
            return (.willItScale(testcase: testcase, mode: mode), stop)
        case "compute-memory":
            let accesses = f["accesses"].flatMap { check.int($0, p + ".accesses", min: 0, max: 1 << 20) } ?? 4
            let privateLines = f["private_lines"].flatMap { check.int($0, p + ".private_lines", min: 0, max: 1 << 22) } ?? 64
            let sharedLines = f["shared_lines"].flatMap { check.int($0, p + ".shared_lines", min: 0, max: 1 << 22) } ?? 16
            if privateLines == 0 && sharedLines == 0 && accesses > 0 {
                check.error(node.mark, p, "accesses need lines: set private_lines or shared_lines above 0")
            }
            return (.computeMemory(
                computeCycles: f["compute"] == nil ? 200 : cycles("compute"), accesses: accesses, privateLines: privateLines,
                sharedLines: sharedLines,
                sharedFraction: f["shared"].flatMap { check.fraction($0, p + ".shared") } ?? 0.1,
                writeFraction: f["writes"].flatMap { check.fraction($0, p + ".writes") } ?? 0.3,
                atomicFraction: f["atomics"].flatMap { check.fraction($0, p + ".atomics") } ?? 0,
                sharedAcrossCopies: f["shared_across_kernels"].flatMap { check.bool($0, p + ".shared_across_kernels") } ?? false,
                pattern: f["pattern"].flatMap { check.choice($0, p + ".pattern", AccessPattern.allCases.map(\.rawValue)) }
                    .flatMap(AccessPattern.init(rawValue:)) ?? .random), stop)
        case "ping-pong":
            return (.pingPong, stop)
        case "pipe-pingpong":
            return (.pipePingPong, stop)
        case "shared-pages":
            let pages = f["pages"].flatMap { check.int($0, p + ".pages", min: 1, max: 1 << 16) } ?? 64
            let accesses = f["accesses"].flatMap { check.int($0, p + ".accesses", min: 1, max: 1 << 16) } ?? 4
            return (.sharedPages(pages: pages, accesses: accesses, writeFraction: f["writes"].flatMap { check.fraction($0, p + ".writes") } ?? 0.05,
                                 computeCycles: f["compute"] == nil ? 500 : cycles("compute")), stop)
        case "producer-consumer":
            let slots = f["slots"].flatMap { check.int($0, p + ".slots", min: 1, max: 1 << 16) } ?? 16
            return (.producerConsumer(slots: slots, produceCycles: f["produce"] == nil ? 500 : cycles("produce"),
                                      consumeCycles: f["consume"] == nil ? 500 : cycles("consume")), stop)
        case "lock-loop":
            let algorithm = f["lock"].flatMap { check.choice($0, p + ".lock", LockAlgorithm.allCases.map(\.rawValue)) }
                .flatMap(LockAlgorithm.init(rawValue:)) ?? .mcs
            return (.lockLoop(algorithm: algorithm, holdCycles: f["hold"] == nil ? 500 : cycles("hold"),
                              outsideCycles: f["outside"] == nil ? 2000 : cycles("outside"),
                              sharedAcrossCopies: f["shared_across_kernels"].flatMap { check.bool($0, p + ".shared_across_kernels") } ?? false,
                              readFraction: f["reads"].flatMap { check.fraction($0, p + ".reads") } ?? 0.9,
                              irqsave: f["irqsave"].flatMap { check.bool($0, p + ".irqsave") } ?? false),
                    stop)
        case "ipi-ring":
            let handling = f["handling"].flatMap { check.duration($0, p + ".handling") } ?? Picoseconds(ns: 100)
            return (.ipiRing(handling: handling), stop)
        case "messages", "receive":
            guard let cn = f["channel"], let name = check.string(cn, p + ".channel") else {
                check.error(node.mark, p + ".channel", "missing required key 'channel'")
                return nil
            }
            guard let idx = channels.firstIndex(where: { $0.1 == name }) else {
                let hint = nearest(name, in: channels.map(\.1)).map { "; did you mean '\($0)'?" } ?? ""
                check.error(cn.mark, p + ".channel", "no channel named '\(name)'\(hint)")
                return nil
            }
            let reply = f["reply"].flatMap { check.bool($0, p + ".reply") } ?? false
            if reply || kind == "receive", channels[idx].0.transport.traits.receiver != .pollingTask {
                check.error((f["reply"] ?? kindNode).mark, p + (kind == "receive" ? ".kind" : ".reply"),
                            "channel '\(name)' uses transport \(channels[idx].0.transport.rawValue): its receiver is the kernel's interrupt handler; tasks receive and reply on \(ChannelTransport.named { $0.receiver == .pollingTask }) channels")
            }
            if kind == "receive" { return (.receive(channel: idx, userCycles: cycles("user"), reply: reply), stop) }
            let every = positiveDuration(f["every"], p + ".every") ?? .zero
            let size = f["size"].flatMap { check.size($0, p + ".size") }.map { UInt32(clamping: $0) } ?? 0
            if let s = f["size"], size > 1 << 24 { check.error(s.mark, p + ".size", "at most 16MiB per message") }
            return (.messages(channel: idx, userCycles: cycles("user"), reply: reply, interval: every, bytes: size), stop)
        case "serve":
            guard let cn = f["channels"], let names = check.list(cn, p + ".channels") else {
                check.error(node.mark, p + ".channels", "missing required key 'channels' (the channels a server waits on, a list)")
                return nil
            }
            var indices: [Int] = []
            for (i, item) in names.enumerated() {
                guard let name = check.string(item, p + ".channels[\(i)]") else { continue }
                guard let idx = channels.firstIndex(where: { $0.1 == name }) else {
                    let hint = nearest(name, in: channels.map(\.1)).map { "; did you mean '\($0)'?" } ?? ""
                    check.error(item.mark, p + ".channels[\(i)]", "no channel named '\(name)'\(hint)")
                    continue
                }
                if channels[idx].0.transport.traits.receiver != .pollingTask {
                    check.error(item.mark, p + ".channels[\(i)]", "channel '\(name)' uses transport \(channels[idx].0.transport.rawValue): its receiver is the kernel's interrupt handler; a waitset polls \(ChannelTransport.named { $0.receiver == .pollingTask }) channels")
                }
                if indices.contains(idx) { check.error(item.mark, p + ".channels[\(i)]", "channel '\(name)' is in the waitset twice") }
                indices.append(idx)
            }
            if names.isEmpty { check.error(cn.mark, p + ".channels", "a waitset needs at least one channel") }
            if names.count > 1024 { check.error(cn.mark, p + ".channels", "at most 1024 channels in a waitset") }
            guard indices.count == names.count, !indices.isEmpty else { return nil }
            let reply = f["reply"].flatMap { check.bool($0, p + ".reply") } ?? false
            return (.serve(channels: indices, userCycles: cycles("user"), reply: reply), stop)
        case "periodic":
            guard f["run"] != nil, let pn = f["period"] else {
                check.error(node.mark, p, "a periodic workload needs run (work per job) and period, like {run: 2ms, period: 10ms}")
                return nil
            }
            guard let period = check.duration(pn, p + ".period") else { return nil }
            if period == .zero { check.error(pn.mark, p + ".period", "the period must be longer than 0"); return nil }
            return (.periodic(runCycles: cycles("run"), period: period), stop)
        case "ipi-flood":
            guard let target = targetKernel(f, node, p, kernels: kernels, role: "the kernel whose CPUs are flooded") else { return nil }
            return (.ipiFlood(target: target, gap: f["every"].flatMap { check.duration($0, p + ".every") } ?? Picoseconds(us: 1),
                              nmi: f["nmi"].flatMap { check.bool($0, p + ".nmi") } ?? false), stop)
        case "foreign-writes":
            guard let target = targetKernel(f, node, p, kernels: kernels, role: "the kernel whose memory is written") else { return nil }
            var object: String?
            if let on = f["object"], let name = check.string(on, p + ".object") {
                // Machine-scope objects live outside the instance's memory: not its to lose.
                let own = kernels[target].profile.objects.filter { $0.scope != .machine }.map(\.name)
                if own.contains(name) { object = name } else {
                    let hint = nearest(name, in: own).map { "; did you mean '\($0)'?" } ?? ""
                    check.error(on.mark, p + ".object", "kernel '\(kernels[target].name)' has no object '\(name)' in its memory\(hint)")
                    return nil
                }
            }
            return (.foreignWrites(target: target, gap: f["every"].flatMap { check.duration($0, p + ".every") } ?? Picoseconds(us: 1),
                                   corrupt: f["corrupt"].flatMap { check.bool($0, p + ".corrupt") } ?? false, object: object), stop)
        case "shootdown":
            let proto = f["protocol"].flatMap { check.choice($0, p + ".protocol", ShootdownProtocol.allCases.map(\.rawValue)) }
                .flatMap(ShootdownProtocol.init(rawValue:)) ?? .ipi
            let span = f["cpus"].flatMap { check.int($0, p + ".cpus", min: 2, max: 1 << 16) }
            let addressing = f["addressing"].flatMap { check.choice($0, p + ".addressing", IPIAddressing.allCases.map(\.name)) }
                .flatMap { name in IPIAddressing.allCases.first { $0.name == name } } ?? .physical
            let invalidate = f["invalidate"].flatMap { check.duration($0, p + ".invalidate") } ?? Picoseconds(ns: 200)
            let agreement = f["agreement"].flatMap { check.choice($0, p + ".agreement", ["none", "two-phase"]) } ?? "none"
            if agreement == "two-phase" && proto == .ipi, let node = f["agreement"] {
                check.error(node.mark, p + ".agreement", "a two-phase commit runs over messages: choose a message protocol (unicast, broadcast, multicast, numa-multicast), not ipi")
            }
            let designName = f["design"].flatMap { check.choice($0, p + ".design", ["bare", "barrelfish"]) } ?? "bare"
            var design = ShootdownDesign.bare
            if designName == "barrelfish" {
                if proto == .ipi, let node = f["design"] {
                    check.error(node.mark, p + ".design", "Barrelfish's monitors send messages: choose a message protocol (unicast, broadcast, multicast, numa-multicast), not ipi")
                }
                var costs = BarrelfishCosts()
                if let v = f["lrpc"], let w = check.work(v, p + ".lrpc") { costs.lrpcCycles = w.cycles(at: freq) }
                if let v = f["stub"], let w = check.work(v, p + ".stub") { costs.stubCycles = w.cycles(at: freq) }
                if let v = f["capability"], let w = check.work(v, p + ".capability") { costs.capabilityCycles = w.cycles(at: freq) }
                if let v = f["driver_call"], let w = check.work(v, p + ".driver_call") { costs.driverCallCycles = w.cycles(at: freq) }
                design = .barrelfish(costs)
            } else {
                for key in ["lrpc", "stub", "capability", "driver_call"] {
                    if let node = f[key] { check.error(node.mark, p + "." + key, "'\(key)' is a cost of design barrelfish; set `design: barrelfish` or remove it") }
                }
            }
            return (.shootdown(protocol: proto, span: span, invalidate: invalidate, addressing: addressing,
                               twoPhase: agreement == "two-phase", design: design), stop)
        case "ipi-broadcast":
            let targets = f["targets"].flatMap { check.int($0, p + ".targets", min: 1, max: 1 << 20) }
            let addressing = f["addressing"].flatMap { check.choice($0, p + ".addressing", IPIAddressing.allCases.map(\.name)) }
                .flatMap { name in IPIAddressing.allCases.first { $0.name == name } } ?? .physical
            let handling = f["handling"].flatMap { check.duration($0, p + ".handling") } ?? Picoseconds(ns: 100)
            return (.ipiBroadcast(targets: targets, addressing: addressing, handling: handling), stop)
        case "interactive":
            guard f["run"] != nil, f["think"] != nil else {
                check.error(node.mark, p, "an interactive workload needs run (work per burst) and think (mean sleep between bursts), like {run: 200us, think: 5ms}")
                return nil
            }
            guard let think = positiveDuration(f["think"], p + ".think") else { return nil }
            return (.interactive(runCycles: cycles("run"), think: think), stop)
        default:
            return nil
        }
    }

    /// The kernel a misbehaving workload's `target` names (`role` says what it is, for the message).
    private func targetKernel(_ f: [String: YNode], _ node: YNode, _ p: String, kernels: [KernelConfig], role: String) -> Int? {
        guard let tn = f["target"], let name = check.string(tn, p + ".target") else {
            check.error(node.mark, p + ".target", "missing required key 'target' (\(role))")
            return nil
        }
        guard let target = kernels.firstIndex(where: { $0.name == name }) else {
            let hint = nearest(name, in: kernels.map(\.name)).map { "; did you mean '\($0)'?" } ?? ""
            check.error(tn.mark, p + ".target", "no kernel named '\(name)'\(hint)")
            return nil
        }
        return target
    }

    /// A duration above zero (`alternative` names the other accepted word, for the message).
    func positiveDuration(_ node: YNode?, _ path: String, or alternative: String? = nil) -> Picoseconds? {
        guard let node, let d = check.duration(node, path) else { return nil }
        guard d > .zero else {
            check.error(node.mark, path, "expected a duration longer than 0" + (alternative.map { " (or \($0))" } ?? ""))
            return nil
        }
        return d
    }

    // MARK: Expectations

    private func readExpectations(_ node: YNode?) -> [Expectation] {
        guard let node, let items = check.list(node, "expect") else { return [] }
        var out: [Expectation] = []
        for (i, item) in items.enumerated() {
            let p = "expect[\(i)]"
            guard let f = check.mapping(item, p, ScenarioKeys.expectation) else { continue }
            guard let metric = f["metric"].flatMap({ check.string($0, p + ".metric") }) else { continue }
            func bound(_ key: String) -> Double? {
                guard let v = f[key], let s = check.scalar(v, p + "." + key, expected: "a number, optionally with a unit") else { return nil }
                guard let x = MetricValue.parse(s) else {
                    check.error(v.mark, p + "." + key, "expected a number like 700k/s, 50us, 0.8 or 12; got '\(s)'")
                    return nil
                }
                return x
            }
            let lo = bound("min"), hi = bound("max")
            if f["min"] == nil && f["max"] == nil { check.error(item.mark, p, "an expectation needs min, max or both") }
            var at: [(key: String, value: String)] = []
            if let an = f["at"], case .mapping(let pairs) = an.value {
                for pair in pairs {
                    guard let value = check.scalar(pair.value, p + ".at." + pair.key, expected: "a sweep value") else { continue }
                    at.append((pair.key, value))
                }
            } else if let an = f["at"] {
                check.error(an.mark, p + ".at", "expected a mapping of sweep keys to values, like {workloads.batch.threads: 8}")
            }
            out.append(Expectation(metric: metric, variant: f["variant"].flatMap { check.string($0, p + ".variant") },
                                   relativeTo: f["relative_to"].flatMap { check.string($0, p + ".relative_to") }, at: at,
                                   min: lo, max: hi, line: item.mark.line))
        }
        return out
    }
}

/// Numbers in expectations: plain, with a k/M/G multiplier, a rate (`/s`) or a time unit (read as ns,
/// matching the `_ns` metrics).
public enum MetricValue {
    public static func parse(_ text: String) -> Double? {
        var t = text.trimmingCharacters(in: .whitespaces)
        if t.hasSuffix("/s") { t = String(t.dropLast(2)) }
        if let d = Units.duration(t), Double(t) == nil { return Double(d.raw) / 1000 }
        var scale = 1.0
        if let last = t.last, "kMG".contains(last) {
            scale = last == "k" ? 1e3 : last == "M" ? 1e6 : 1e9
            t = String(t.dropLast())
        }
        if t.hasSuffix("%"), let v = Double(t.dropLast()) { return v / 100 }
        return Double(t.replacingOccurrences(of: "_", with: "")).map { $0 * scale }
    }
}
