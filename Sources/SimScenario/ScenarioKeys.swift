import SimKernelModel
import SimMachine
import SimWorkloads

/// What a scenario key holds, as far as an editor can check it. The reader checks the rest
/// (ranges, units, names of kernels and channels) and says where.
public indirect enum KeyShape: Sendable {
    case string, integer, number, boolean
    /// A number with a unit (40ns, 16GiB, 2.8GHz, 200cycles, 30%, 700k/s) or a bare number.
    case quantity
    case choice([String])
    /// all, socketN, nodeN, ranges like 0-15,32-47, a count, or a list of CPU numbers.
    case cpus
    /// A name or a list of names.
    case names
    /// Any scalar: a string, a number or a boolean.
    case scalar
    case table(KeyTable)
    case list(KeyShape)
    /// A mapping from any key (a variant's name, a sweep's key path) to this.
    case keyed(KeyShape)
    case oneOf([KeyShape])
    /// YAML null (a variant written as `name:` with nothing after it).
    case null
    /// A workload's `generate:`: `kind` and the keys of that kind (`ScenarioKeys.generators`).
    case generator
    case any
}

public struct Key: Sendable {
    public let name: String
    public let shape: KeyShape
    init(_ name: String, _ shape: KeyShape) { self.name = name; self.shape = shape }
}

/// The keys of one mapping of the scenario format, and those it must have.
public struct KeyTable: Sendable {
    /// Its name in the JSON Schema's `$defs`.
    public let name: String
    public let keys: [Key]
    public let required: [String]
    /// Also takes key paths below its keys, like `workloads.unlink.threads` (a variant's
    /// overlay, as `--set` takes them); the value is checked when the path is applied.
    public let keyPaths: Bool
    init(_ name: String, _ keys: [Key], required: [String] = [], keyPaths: Bool = false) {
        self.name = name; self.keys = keys; self.required = required; self.keyPaths = keyPaths
    }
    public var known: [String] { keys.map(\.name) }
}

/// Every mapping the scenario reader accepts, with its keys: the reader takes its known and
/// required keys from here, and `mksim schema` writes the JSON Schema from here, so the two
/// cannot drift apart. docs/scenario-format.md says what each key means.
public enum ScenarioKeys {
    static let q = KeyShape.quantity
    /// 0, a duration, or a list of durations (transfer latencies by distance).
    static let latencies = KeyShape.oneOf([.quantity, .list(.quantity)])

    /// The file's sections, those a variant may overlay too.
    static let sections = [
        Key("mksim", .integer), Key("name", .string), Key("description", .string), Key("seed", .integer), Key("duration", q),
        Key("machine", .table(machine)), Key("kernels", .list(.table(kernel))), Key("channels", .list(.table(channel))),
        Key("moves", .list(.table(move))), Key("devices", .list(.table(device))), Key("workloads", .list(.table(workload))),
        Key("expect", .list(.table(expectation))),
    ]

    public static let top = KeyTable("scenario", sections.dropLast() + [
        Key("variants", .keyed(.oneOf([.table(overlay), .null]))), Key("sweep", .keyed(.list(.oneOf([.scalar, .null])))), sections.last!,
    ], required: ["mksim", "name", "machine", "kernels", "workloads"])

    /// A variant: any of the file's sections, each replacing or (mappings) merging into the file's.
    public static let overlay = KeyTable("variant", sections, keyPaths: true)

    // MARK: Machine

    public static let machine = KeyTable("machine", [
        Key("preset", .choice(MachinePresets.names)), Key("name", .string), Key("sockets", .integer), Key("cores_per_socket", .integer),
        Key("threads_per_core", .integer), Key("cores_per_cluster", .integer), Key("cores_per_die", .integer),
        Key("numa_nodes_per_socket", .integer), Key("socket_links", .list(.any)), Key("frequency", q),
        Key("caches", .table(caches)), Key("coherence", .table(coherence)), Key("memory", .table(memory)), Key("apic", .table(apic)),
        Key("idle_exit", latencies), Key("store_buffer", .scalar),
    ])
    public static let cacheLevel = KeyTable("cache_level", [
        Key("size", q), Key("ways", .integer), Key("line", q), Key("latency", q), Key("shared", .string),
    ])
    public static let caches = KeyTable("caches", ["l1d", "l1i", "l2", "llc"].map { Key($0, .oneOf([.choice(["none"]), .table(cacheLevel)])) })
    public static let coherence = KeyTable("coherence", [
        Key("protocol", .choice(CoherenceSpec.ProtocolKind.allCases.map(\.rawValue))), Key("atomic", q), Key("transfer", .table(transfer)),
        Key("snoop", .choice(CoherenceSpec.Snoop.allCases.map(\.rawValue))), Key("hop", q), Key("probe", q), Key("packets", .table(packets)),
    ])
    public static let packets = KeyTable("coherence_packets", [Key("request", q), Key("response", q), Key("data", q)])
    public static let transfer = KeyTable("coherence_transfer", ["smt", "cluster", "die", "socket", "remote", "via_home"].map { Key($0, latencies) })
    public static let memory = KeyTable("memory", [
        Key("per_node", q), Key("latency", .table(memoryLatency)), Key("bandwidth", .table(bandwidth)), Key("parallelism", .integer),
    ])
    public static let memoryLatency = KeyTable("memory_latency", [Key("local", q), Key("remote", q)])
    public static let bandwidth = KeyTable("memory_bandwidth", [Key("local", q), Key("remote", q), Key("die", q), Key("die_write", q)])
    public static let apic = KeyTable("apic", [
        Key("mode", .choice(APICSpec.Mode.allCases.map(\.rawValue))), Key("send", q), Key("remote_accept_wait", q),
        Key("deliver", .table(apicDeliver)), Key("handler", q), Key("eoi", q),
    ])
    public static let apicDeliver = KeyTable("apic_deliver", [Key("socket", q), Key("remote", q)])

    // MARK: Kernels

    public static let kernel = KeyTable("kernel", [
        Key("name", .string), Key("cpus", .cpus), Key("memory", .table(kernelMemory)),
        Key("scheduler", .oneOf([.string, .table(scheduler)])), Key("profile", .string), Key("boot", .table(boot)),
        Key("hotplug", .list(.table(hotplug))), Key("panic", .table(panic)), Key("llc_ways", .oneOf([.scalar, .list(.integer)])),
        Key("shutdown", .table(shutdown)),
    ], required: ["name", "cpus"])
    public static let kernelMemory = KeyTable("kernel_memory", [Key("size", q), Key("node", .integer)])
    public static let scheduler = KeyTable("scheduler", [Key("policy", .string), Key("tick", q), Key("balance", q), Key("rr_slice", q)])
    public static let boot = KeyTable("boot", [
        Key("at", q), Key("via", .choice(BootConfig.Via.allCases.map(\.rawValue))), Key("image", q), Key("init", q), Key("per_cpu", q),
        Key("bringup", .choice(BootConfig.Bringup.allCases.map(\.rawValue))),
    ])
    public static let panic = KeyTable("panic", [Key("at", q), Key("respawn", q)], required: ["at"])
    public static let hotplug = KeyTable("hotplug_event", [Key("at", q), Key("offline", .cpus), Key("online", .cpus)], required: ["at"])
    public static let shutdown = KeyTable("shutdown", [Key("at", q), Key("channel", .string)], required: ["at"])

    // MARK: Channels, moves, devices

    public static let channel = KeyTable("channel", [
        Key("name", .string), Key("between", .list(.string)), Key("transport", .choice(ChannelTransport.allCases.map(\.rawValue))),
        Key("slots", .integer), Key("slot_size", q), Key("notify", .choice(["ipi", "poll"])), Key("handling", q), Key("budget", .integer),
        Key("stub", q), Key("poll", q), Key("timeout", q), Key("heartbeat", q),
    ], required: ["between"])
    public static let move = KeyTable("move", [
        Key("at", q), Key("cpus", .list(.integer)), Key("memory", q), Key("from", .string), Key("to", .string), Key("per_cpu", q),
        Key("in_use", q), Key("migrate_page", q), Key("channel", .string),
    ], required: ["at", "from", "to"])
    public static let device = KeyTable("device", [
        Key("name", .string), Key("kernel", .string), Key("cpu", .integer), Key("every", q),
        Key("arrivals", .choice(DeviceConfig.Arrivals.allCases.map(\.rawValue))), Key("handling", q), Key("start", q), Key("count", .integer),
    ], required: ["name", "kernel", "every"])

    // MARK: Workloads

    public static let workload = KeyTable("workload", [
        Key("name", .string), Key("on", .names), Key("threads", .integer), Key("total_threads", .integer), Key("pin", .cpus),
        Key("start", q), Key("stagger", q), Key("nice", .integer), Key("slice", q), Key("realtime", .table(realtime)),
        Key("generate", .generator), Key("migrate", .table(migrate)), Key("trace", .table(trace)),
    ], required: ["name"])
    public static let realtime = KeyTable("realtime", [Key("priority", .integer), Key("policy", .choice(["fifo", "rr"]))], required: ["priority"])
    public static let migrate = KeyTable("migrate", [Key("at", q), Key("to", .string), Key("state", q)], required: ["at", "to"])
    public static let trace = KeyTable("trace", [
        Key("path", .string), Key("format", .choice(TraceFormat.allCases.map(\.rawValue))), Key("executable", .string),
        Key("load_address", .scalar), Key("locks", .choice(LockAlgorithm.allCases.map(\.rawValue))), Key("op_at", .string),
    ], required: ["path"])

    /// Keys every generator has, then each kind's own.
    public static let generatorCommon = [Key("kind", .string), Key("iterations", .integer), Key("duration", q)]
    public static let generators: [(kind: String, keys: [Key])] = [
        ("syscall-loop", [Key("syscall", .string), Key("user", q), Key("every", q)]),
        ("will-it-scale", [Key("testcase", .string), Key("mode", .string)]),
        ("compute-memory", [Key("compute", q), Key("accesses", .integer), Key("private_lines", .integer), Key("shared_lines", .integer),
                            Key("shared", q), Key("writes", q), Key("atomics", q), Key("shared_across_kernels", .boolean), Key("pattern", .string)]),
        ("ping-pong", []),
        ("pipe-pingpong", []),
        ("producer-consumer", [Key("slots", .integer), Key("produce", q), Key("consume", q)]),
        ("shared-pages", [Key("pages", .integer), Key("accesses", .integer), Key("writes", q), Key("compute", q)]),
        ("ipi-ring", [Key("handling", q)]),
        ("messages", [Key("channel", .string), Key("user", q), Key("reply", .boolean), Key("every", q), Key("size", q)]),
        ("receive", [Key("channel", .string), Key("user", q), Key("reply", .boolean)]),
        ("serve", [Key("channels", .names), Key("user", q), Key("reply", .boolean)]),
        ("lock-loop", [Key("lock", .string), Key("hold", q), Key("outside", q), Key("shared_across_kernels", .boolean), Key("reads", q),
                       Key("irqsave", .boolean)]),
        ("shootdown", [Key("protocol", .string), Key("cpus", .integer), Key("invalidate", q), Key("addressing", .string),
                       Key("agreement", .string), Key("design", .string), Key("lrpc", q), Key("stub", q), Key("capability", q),
                       Key("driver_call", q)]),
        ("ipi-flood", [Key("target", .scalar), Key("every", q), Key("nmi", .boolean)]),
        ("foreign-writes", [Key("target", .string), Key("every", q), Key("corrupt", .boolean), Key("object", .string)]),
        ("periodic", [Key("run", q), Key("period", q)]),
        ("interactive", [Key("run", q), Key("think", q)]),
        ("ipi-broadcast", [Key("targets", .integer), Key("addressing", .string), Key("handling", q)]),
    ]

    public static let expectation = KeyTable("expectation", [
        Key("metric", .string), Key("variant", .string), Key("relative_to", .string), Key("at", .keyed(.scalar)), Key("min", q), Key("max", q),
    ], required: ["metric"])
}
