import SimKernelModel
import SimMachine
import SimScenario

/// The result of one run as JSON, in the documented key order (docs/results.md).
/// Everything but `host` is a function of the scenario, the point and the seed.
public enum ResultJSON {
    public static let formatVersion = 1

    static func storeBuffer(_ b: StoreBufferStats) -> JSONValue {
        .object([("entries", .int(Int64(b.entries))), ("stores", .uint(b.stores)), ("forwarded", .uint(b.forwarded)),
                 ("full_stalls", .uint(b.fullStalls)), ("drain_waits", .uint(b.drainWaits))])
    }

    public static func make(point: RunPoint, result r: SimulationResult, command: String? = nil) -> JSONValue {
        let cfg = point.scenario.config
        let m = cfg.machine
        let params: [(String, JSONValue)] = point.params.map { ($0.key, scalar($0.value)) }
        let stalled: JSONValue = r.stalledAt.map { .num($0.nanoseconds) } ?? .null
        let storeBuffer: JSONValue = r.storeBuffer.map(Self.storeBuffer) ?? .null
        let linkMessages = JSONValue.object(r.linkMessages.map { (kind, count) -> (String, JSONValue) in (kind.name, .uint(count)) })
        return .object([
            ("mksim", .int(Int64(formatVersion))),
            ("scenario", .string(point.scenario.name)),
            ("variant", point.variant.map(JSONValue.string) ?? .null),
            ("params", .object(params)),
            ("seed", .uint(cfg.seed)),
            ("sim_time_ns", .num(r.simTime.nanoseconds)),
            ("stalled_ns", stalled),
            ("machine", machine(m)),
            ("kernels", .object(r.kernels.enumerated().map { k, kr in (kr.name, kernel(kr, config: cfg.kernels[k])) })),
            ("workloads", .object(r.workloads.map { ($0.name, workload($0)) })),
            ("tasks", tasks(r.tasks)),
            ("coherence", .object([
                ("accesses", .uint(r.memoryAccesses)),
                ("transfers", .object(r.transfers.all.map { ($0.source.name, .uint($0.count)) })),
                ("caches", .object(r.caches.map { c in
                    (c.name, .object([("hits", .uint(c.hits)), ("misses", .uint(c.misses)), ("evictions", .uint(c.evictions))]))
                })),
                ("writebacks", .uint(r.writebacks)),
                ("link_messages", linkMessages),
                ("store_buffer", storeBuffer),
                ("hot_lines", .array(r.hotLines.map { hot($0, topology: m.topology) })),
            ])),
            ("apic", .object([("ipi_sent", .uint(r.ipiSent)), ("ipi_delivered", .uint(r.ipiDelivered)),
                              ("latency_ns", latency(r.ipiLatency)), ("accounting", ipiAccounting(r.ipiAccounting))])),
            ("moves", moves(r.moves)),
            ("devices", devices(r.devices)),
            ("channels", channels(r.channels)),
            ("traces", .object(r.traces.map { t in
                (t.workload, .object([
                    ("records", .uint(t.records)), ("pages", .int(Int64(t.pages))), ("locks", .int(Int64(t.locks))),
                    ("unmodeled_syscalls", .uint(t.unmodeledSyscalls)),
                ]))
            })),
            ("interconnect", .object(r.servers.map { v in
                (v.name, .object([
                    ("lines", .uint(v.lines)), ("writebacks", .uint(v.writebacks)), ("control_packets", .uint(v.controlPackets)),
                    ("bytes", .uint((v.lines + v.writebacks) &* 64)), ("queue_wait_ns", .num(Double(v.waitPs) / 1000)),
                    ("utilization", .num(v.utilization, 4)),
                ]))
            })),
            ("host", .object([
                ("wall_s", .num(r.host.wallSeconds, 4)),
                ("events", .uint(r.host.events)),
                ("events_per_s", .num(r.host.eventsPerSecond, 0)),
                ("inline_operations", .uint(r.host.inlineOperations)),
            ])),
            ("provenance", Provenance(point: point, command: command).json),
        ])
    }

    /// Sweep values keep their type: numbers as numbers.
    static func scalar(_ s: String) -> JSONValue {
        if let i = Int64(s) { return .int(i) }
        if let d = Double(s), d.isFinite { return .num(d, 6) }
        if s == "true" || s == "false" { return .bool(s == "true") }
        return .string(s)
    }

    /// [[percentile, ns], ...]: an array, so that metrics (`expect:`, CSV, compare) skip it.
    static func cdf(_ l: LatencySummary) -> JSONValue {
        .array(zip(LatencySummary.cdfPercentiles, l.cdf).map { .array([.num($0, 1), .num($1)]) })
    }

    static func latency(_ l: LatencySummary) -> JSONValue {
        .object([("p50", .num(l.p50)), ("p90", .num(l.p90)), ("p99", .num(l.p99)), ("max", .num(l.max)), ("mean", .num(l.mean))])
    }

    /// The machine as simulated (presets expanded), so a result says what it ran on.
    static func machine(_ m: MachineSpec) -> JSONValue {
        let t = m.topology
        return .object([
            ("name", .string(m.name)),
            ("sockets", .int(Int64(t.sockets))),
            ("cores_per_socket", .int(Int64(t.coresPerSocket))),
            ("threads_per_core", .int(Int64(t.threadsPerCore))),
            ("cores_per_cluster", .int(Int64(t.coresPerCluster))),
            ("cores_per_die", .int(Int64(t.coresPerDie))),
            ("numa_nodes", .int(Int64(t.numaNodeCount))),
            ("cpus", .int(Int64(t.cpuCount))),
            ("frequency_hz", .uint(m.frequency.hertz)),
            ("caches", .array(m.caches.map { c in
                .object([("name", .string(c.name)), ("size_bytes", .uint(c.sizeBytes)), ("ways", .int(Int64(c.ways))),
                         ("line_bytes", .int(Int64(c.lineBytes))), ("latency_cycles", .uint(c.latencyCycles)),
                         ("shared", .string(c.shared.rawValue))])
            })),
            ("coherence", .object([
                ("protocol", .string(m.coherence.protocolKind.rawValue)),
                ("atomic_cycles", .uint(m.coherence.atomicCycles)),
                ("transfer_ns", .object([
                    ("smt", .num(m.coherence.smt.nanoseconds)), ("cluster", .num(m.coherence.cluster.nanoseconds)),
                    ("die", .array(m.coherence.die.map { .num($0.nanoseconds) })),
                    ("socket", .array(m.coherence.socket.map { .num($0.nanoseconds) })), ("remote", .num(m.coherence.remote.nanoseconds)),
                ])),
                ("packet_bytes", .object([("request", .int(Int64(m.coherence.packets.request))),
                                          ("response", .int(Int64(m.coherence.packets.response))),
                                          ("data", .int(Int64(m.coherence.packets.data)))])),
            ])),
            ("memory", .object([
                ("per_node_bytes", .uint(m.memory.bytesPerNode)),
                ("latency_ns", .object([("local", .num(m.memory.latencyLocal.nanoseconds)), ("remote", .num(m.memory.latencyRemote.nanoseconds))])),
                ("bandwidth_bytes_per_s", .object([("local", .uint(m.memory.bandwidthLocal)), ("remote", .uint(m.memory.bandwidthRemote)),
                                                   ("die", .uint(m.memory.bandwidthDie)), ("die_write", .uint(m.memory.bandwidthDieWrite))])),
            ])),
            ("apic", .object([
                ("mode", .string(m.apic.mode.rawValue)), ("send_ns", .num(m.apic.send.nanoseconds)),
                ("deliver_ns", .object([("socket", .num(m.apic.deliverSocket.nanoseconds)), ("remote", .num(m.apic.deliverRemote.nanoseconds))])),
                ("remote_accept_wait_ns", .num(m.apic.remoteAcceptWait.nanoseconds)),
                ("handler_ns", .num(m.apic.handler.nanoseconds)), ("eoi_ns", .num(m.apic.eoi.nanoseconds)),
            ])),
        ])
    }

    static func kernel(_ k: KernelResult, config: KernelConfig) -> JSONValue {
        .object([
            ("cpus", .int(Int64(k.cpus))),
            ("cpu_list", .string(CPURanges.format(config.cpus))),
            ("scheduler", .string(config.scheduler.policy)),
            ("profile", .string(config.profile.name)),
            ("utilization", .num(k.utilization, 4)),
            ("context_switches", .uint(k.contextSwitches)),
            ("ipi", .object([("sent", .uint(k.ipiSent)), ("received", .uint(k.ipiReceived))])),
            ("interrupts_handled", .uint(k.interruptsHandled)),
            ("preemptions", .uint(k.preemptions)),
            ("voluntary_switches", .uint(k.voluntarySwitches)),
            ("fairness", .num(k.fairness, 4)),
            ("idle_ns", .num(k.idleNs)),
            ("migrations", migrations(k.migrations)),
            ("wakeup_latency_ns", latency(k.wakeupLatency)), ("runqueue_wait_ns", latency(k.runqueueWait)),
            ("ops", .uint(k.ops)), ("throughput_per_s", .num(k.throughputPerSecond)),
            ("lifecycle", lifecycle(k.lifecycle)),
            ("hotplug", .object([("offline", .uint(k.hotplug.offline)), ("online", .uint(k.hotplug.online)),
                                 ("tasks_moved", .uint(k.hotplug.tasksMoved)), ("affinity_broken", .uint(k.hotplug.affinityBroken))])),
            ("tlb", .object([("shootdowns", .uint(k.tlb.shootdowns)), ("interrupted", .uint(k.tlb.interrupted)),
                             ("lazy_skipped", .uint(k.tlb.lazySkipped)), ("flushes_on_switch", .uint(k.tlb.flushesOnSwitch))])),
            ("locks", .object(k.locks.map { l in
                var fields: [(String, JSONValue)] = [
                    ("algorithm", .string(l.algorithm)), ("acquisitions", .uint(l.acquisitions)), ("contended", .uint(l.contended)),
                    ("hold_mean_ns", .num(l.holdMeanNs)), ("wait_ns", latency(l.wait)),
                    ("handoff_ns", latency(l.handoff)), ("slept", .uint(l.slept)),
                ]
                if let r = l.rwsem {
                    fields += [("handoffs_asked", .uint(r.handoffs)), ("reader_grants", .uint(r.readerGrants)),
                               ("readers_granted", .uint(r.readersGranted))]
                }
                return (l.name, .object(fields))
            })),
        ])
    }

    static func workload(_ w: WorkloadResult) -> JSONValue {
        var fields = workloadFields(w)
        if let s = w.sharedPages {
            fields.append(("shared_pages", .object([("read_faults", .uint(s.readFaults)), ("write_faults", .uint(s.writeFaults)),
                                                     ("invalidations", .uint(s.invalidations))])))
        }
        if let s = w.willItScale {
            fields.append(("will_it_scale", .object([("testcase", .string(s.testcase)), ("mode", .string(s.mode)),
                                                     ("per_task_per_s", .object([("min", .num(s.perTaskMin, 1)), ("mean", .num(s.perTaskMean, 1)),
                                                                                 ("max", .num(s.perTaskMax, 1))]))])))
        }
        return .object(fields)
    }

    static func workloadFields(_ w: WorkloadResult) -> [(String, JSONValue)] {
        [
            ("tasks", .int(Int64(w.tasks))), ("ops", .uint(w.ops)), ("elapsed_ns", .num(w.elapsedNs)),
            ("throughput_per_s", .num(w.throughputPerSecond, 1)), ("latency_ns", latency(w.latency)),
            ("latency_cdf_ns", cdf(w.latency)),
            ("cpu_time_ns", .num(w.cpuTimeNs)), ("fairness", .num(w.fairness, 4)),
            ("wakeup_latency_ns", latency(w.wakeupLatency)), ("runqueue_wait_ns", latency(w.runqueueWait)),
            ("deadline_misses", .uint(w.deadlineMisses)),
            ("slice_ns", latency(w.slices)),
            ("preemptions", .uint(w.preemptions)), ("voluntary_switches", .uint(w.voluntarySwitches)),
            ("migrations", migrations(w.migrations)),
            ("cross_kernel_transfer_ns", .object([("mean", .num(w.crossKernelTransferMeanNs)), ("max", .num(w.crossKernelTransferMaxNs))])),
            ("exited", .int(Int64(w.exited))), ("makespan_ns", w.makespanNs.map { .num($0) } ?? .null),
        ]
    }

    /// By kind, with their total.
    static func migrations(_ m: [UInt64]) -> JSONValue {
        .object(MigrationKind.allCases.map { ($0.name, .uint(m[$0.rawValue])) } + [("total", .uint(m.reduce(0, +)))])
    }

    /// Per workload, per task index: `tasks.NAME.I.metric`.
    static func tasks(_ ts: [TaskResult]) -> JSONValue {
        var grouped: [(String, [(String, JSONValue)])] = []
        for t in ts {
            var fields: [(String, JSONValue)] = [
                ("kernel", .string(t.kernel)), ("last_cpu", .int(Int64(t.lastCPU))),
                ("cpu_time_ns", .num(t.cpuTimeNs)), ("ops", .uint(t.ops)), ("slices", .uint(t.slices)),
                ("preemptions", .uint(t.preemptions)), ("voluntary_switches", .uint(t.voluntarySwitches)),
                ("migrations", migrations(t.migrations)), ("wakeups", .uint(t.wakeups)),
                ("wakeup_latency_ns", .object([("mean", .num(t.wakeupMeanNs)), ("max", .num(t.wakeupMaxNs))])),
                ("runqueue_wait_ns", .object([("mean", .num(t.runqueueWaitMeanNs)), ("max", .num(t.runqueueWaitMaxNs))])),
                ("exited_ns", t.exitedNs.map { .num($0) } ?? .null),
            ]
            if let w = t.waitsOn { fields.append(("waits_on", .string(w))) }  // only in a stalled run
            let v = JSONValue.object(fields)
            if let i = grouped.firstIndex(where: { $0.0 == t.workload }) { grouped[i].1.append(("\(t.index)", v)) } else {
                grouped.append((t.workload, [("\(t.index)", v)]))
            }
        }
        return .object(grouped.map { ($0.0, .object($0.1)) })
    }

    static func hot(_ h: HotLine, topology: Topology) -> JSONValue {
        let sockets = Set(h.touchedBy.map { topology.socket(of: $0) }).sorted()
        return .object([
            ("line", .string(h.name)), ("misses", .uint(h.misses)), ("accesses", .uint(h.accesses)),
            ("remote_transfers", .uint(h.remoteTransfers)), ("queue_wait_ns", .num(h.queueWaitNs)),
            ("touched_by_cpus", .string(CPURanges.format(h.touchedBy))),
            ("touched_by_sockets", .array(sockets.map { .int(Int64($0)) })),
        ])
    }

    /// Keyed by position ("0", "1", ...), so that `expect:` can name them.
    static func moves(_ ms: [MoveResult]) -> JSONValue {
        .object(ms.enumerated().map { i, m in
            let fields: [(String, JSONValue)] = [
                ("cpus", .string(CPURanges.format(m.cpus))), ("from", .string(m.from)), ("to", .string(m.to)),
                ("requested_ns", .num(m.requestedNs)), ("released_ns", .num(m.releasedNs)), ("arrived_ns", .num(m.arrivedNs)),
                ("online_ns", .num(m.onlineNs)), ("acked_ns", .num(m.ackedNs)), ("tasks_moved", .uint(m.tasksMoved)),
                ("memory_bytes", .uint(m.memoryBytes)), ("pages_migrated", .uint(m.pagesMigrated)),
            ]
            return (String(i), .object(fields))
        })
    }

    static func devices(_ ds: [DeviceResult]) -> JSONValue {
        .object(ds.map { d in
            let fields: [(String, JSONValue)] = [
                ("kernel", .string(d.kernel)), ("cpu", .int(Int64(d.cpu))), ("raised", .uint(d.raised)),
                ("coalesced", .uint(d.coalesced)), ("handled", .uint(d.handled)), ("pending", .uint(d.pending)),
                ("latency_ns", latency(d.latency)),
            ]
            return (d.name, .object(fields))
        })
    }

    static func lifecycle(_ l: KernelLifecycle) -> JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("state", .string(l.state.rawValue)), ("via", .string(l.via)), ("loaded_ns", .num(l.loadedNs)), ("active_ns", .num(l.activeNs)),
            ("all_cpus_up_ns", .num(l.allCPUsUpNs)),
        ]
        if let f = l.failedNs { pairs.append(("failed_ns", .num(f))) }
        if let h = l.haltedNs { pairs += [("halted_ns", .num(h)), ("tasks_stopped", .int(Int64(l.tasksStopped)))] }
        if let r = l.respawn {
            pairs.append(("respawn", .object([("at_ns", .num(r.atNs)), ("active_ns", .num(r.activeNs)),
                                              ("all_cpus_up_ns", .num(r.allCPUsUpNs))])))
        }
        pairs.append(("startup_ipis", .int(Int64(l.startupIPIs))))
        pairs += [("tasks_killed", .int(Int64(l.tasksKilled))), ("oopses", .int(Int64(l.oopses))), ("cpus", .string(CPURanges.format(l.cpus))),
                  ("memory_bytes", .uint(l.memoryBytes)), ("memory_node", .int(Int64(l.memoryNode)))]
        return .object(pairs)
    }

    static func ipiAccounting(_ a: IPIAccounting) -> JSONValue {
        .object([("targeted", .uint(a.targeted)), ("arrived", .uint(a.arrived)), ("in_flight", .uint(a.inFlight)),
                 ("coalesced", .uint(a.coalesced)), ("reraised", .uint(a.reraised)), ("taken", .uint(a.taken)),
                 ("pending", .uint(a.pending))])
    }

    static func channels(_ cs: [ChannelResult]) -> JSONValue {
        var grouped: [(String, [(String, JSONValue)])] = []
        for c in cs {
            let v: JSONValue = .object([
                ("sent", .uint(c.sent)), ("delivered", .uint(c.delivered)), ("bytes", .uint(c.bytes)), ("ipis", .uint(c.ipis)),
                ("ring_full_stalls", .uint(c.ringFullStalls)), ("in_ring", .uint(c.inRing)), ("dropped", .uint(c.dropped)),
                ("receive_timeouts", .uint(c.receiveTimeouts)), ("last_delivered_ns", .num(c.lastDeliveredNs)), ("latency_ns", latency(c.latency)),
                ("families", .object(c.deliveredByFamily.map { ($0.0, .uint($0.1)) })),
            ])
            if let i = grouped.firstIndex(where: { $0.0 == c.name }) { grouped[i].1.append((c.direction, v)) } else {
                grouped.append((c.name, [(c.direction, v)]))
            }
        }
        return .object(grouped.map { ($0.0, .object($0.1)) })
    }
}

/// Compact CPU lists: [0,1,2,3,8] → "0-3,8".
public enum CPURanges {
    public static func format(_ cpus: [Int]) -> String {
        var parts: [String] = []
        var i = 0
        let s = cpus.sorted()
        while i < s.count {
            var j = i
            while j + 1 < s.count && s[j + 1] == s[j] + 1 { j += 1 }
            parts.append(i == j ? "\(s[i])" : "\(s[i])-\(s[j])")
            i = j + 1
        }
        return parts.joined(separator: ",")
    }
}
