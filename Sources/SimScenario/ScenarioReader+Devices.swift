import SimKernelModel
import SimMachine

extension ScenarioReader {
    /// `devices:`: interrupt sources owned by kernels, like
    /// `{name: nic0, kernel: host, cpu: 3, every: 20us, arrivals: poisson, handling: 2us}`.
    func readDevices(_ node: YNode?, kernels: [KernelConfig], duration: Picoseconds?) -> [DeviceConfig] {
        guard let node, let items = check.list(node, "devices") else { return [] }
        if items.count > 16 { check.error(node.mark, "devices", "at most 16 devices (one interrupt vector each); the file has \(items.count)") }
        var out: [DeviceConfig] = []
        for (i, item) in items.enumerated() {
            let p = "devices[\(i)]"
            guard let f = check.mapping(item, p, ScenarioKeys.device) else { continue }
            let name = f["name"].flatMap { check.string($0, p + ".name") } ?? "device\(i)"
            if out.contains(where: { $0.name == name }) { check.error((f["name"] ?? item).mark, p + ".name", "device name '\(name)' is used twice") }
            var kernel: Int?
            if let kn = f["kernel"], let kname = check.string(kn, p + ".kernel") {
                kernel = kernels.firstIndex { $0.name == kname }
                if kernel == nil {
                    let hint = nearest(kname, in: kernels.map(\.name)).map { "; did you mean '\($0)'?" } ?? ""
                    check.error(kn.mark, p + ".kernel", "no kernel named '\(kname)'\(hint)")
                }
            }
            var cpu = kernel.flatMap { kernels[$0].cpus.first }
            if let cn = f["cpu"], let c = check.int(cn, p + ".cpu", min: 0, max: 1 << 16), let kernel {
                if kernels[kernel].cpus.contains(c) {
                    cpu = c
                } else {
                    check.error(cn.mark, p + ".cpu", "CPU \(c) is not one of kernel '\(kernels[kernel].name)''s CPUs (\(kernels[kernel].cpus.map(String.init).joined(separator: ",")))")
                }
            }
            let every = positiveDuration(f["every"], p + ".every")
            let arrivals = f["arrivals"].flatMap { check.choice($0, p + ".arrivals", DeviceConfig.Arrivals.allCases.map(\.rawValue)) }
                .flatMap(DeviceConfig.Arrivals.init(rawValue:)) ?? .periodic
            let handling = f["handling"].flatMap { check.duration($0, p + ".handling") } ?? Picoseconds(us: 1)
            let start = f["start"].flatMap { $0.scalar == "0" ? .zero : check.duration($0, p + ".start") } ?? .zero
            let count = f["count"].flatMap { check.int($0, p + ".count", min: 1) }.map(UInt64.init)
            if count == nil && duration == nil {
                check.error(item.mark, p, "a device raises interrupts until the run's duration: give count, or a top-level duration")
            }
            guard let kernel, let cpu, let every else { continue }
            out.append(DeviceConfig(name: name, kernel: kernel, cpu: cpu, every: every, arrivals: arrivals, handling: handling,
                                    start: start, count: count))
        }
        return out
    }
}
