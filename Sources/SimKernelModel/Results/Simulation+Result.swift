import SimMachine

/// The result of a run, made once at its end: each mechanism gives its section (its room's
/// `…Results` file); the kernels', workloads' and tasks' figures are gathered here.
extension Simulation {
    func makeResult(wallSeconds: Double) -> SimulationResult {
        let end = now
        // CPU time per task, including the stretch still running at the end.
        let cpuTime: [Double] = tasks.indices.map { t in
            var ps = tasks[t].scheduling.cpuTime
            if tasks[t].status == .running && end > tasks[t].scheduling.runStart { ps &+= (end - tasks[t].scheduling.runStart).raw }
            return Double(ps) / 1000
        }
        func fairness(_ ids: [Int]) -> Double { jainIndex(ids.map { cpuTime[$0] / Double(tasks[$0].scheduling.weight) }) }
        var kernelResults: [KernelResult] = []
        for (k, kr) in kernels.enumerated() {
            var busy: UInt64 = 0, switches: UInt64 = 0, sent: UInt64 = 0, received: UInt64 = 0, handled: UInt64 = 0
            var preemptions: UInt64 = 0, voluntary: UInt64 = 0
            for c in kr.config.cpus {
                var b = cpus[c].accounting.busyPs
                if cpus[c].mode != .idle { b &+= end.raw &- cpus[c].accounting.busySince.raw }
                // A CPU that changed hands counts for each owner up to or from the hand-over.
                if let handed = moves.busyAtHandOver[c] { b = cpus[c].kernel == k ? b &- handed : handed } else if cpus[c].kernel != k { b = 0 }
                busy &+= b
                switches &+= cpus[c].accounting.contextSwitches
                sent &+= apic.sent[c]
                received &+= apic.received[c]
                handled &+= cpus[c].accounting.handlerRuns
                preemptions &+= cpus[c].accounting.preemptions
                voluntary &+= cpus[c].accounting.voluntarySwitches
            }
            let total = Double(end.raw) * Double(kr.config.cpus.count)
            let idle = max(0, total - Double(busy)) / 1000
            let kernelOps = kr.stats.ops
            kernelResults.append(KernelResult(
                name: kr.config.name, cpus: kr.config.cpus.count, utilization: total > 0 ? Double(busy) / total : 0,
                contextSwitches: switches, ipiSent: sent, ipiReceived: received, interruptsHandled: handled,
                preemptions: preemptions, voluntarySwitches: voluntary, fairness: fairness(tasks.indices.filter { tasks[$0].kernel == k }),
                idleNs: idle, migrations: kr.stats.migrations, wakeupLatency: LatencySummary(kr.stats.wakeupLatency),
                runqueueWait: LatencySummary(kr.stats.runqueueWait),
                hotplug: HotplugCounts(offline: kr.stats.offlined, online: kr.stats.onlined, tasksMoved: kr.stats.tasksMoved,
                                       affinityBroken: kr.stats.affinityBroken), locks: lockResults(kernel: k), tlb: kr.stats.tlb,
                lifecycle: lifecycle(k, end: end), ops: kernelOps,
                throughputPerSecond: kr.stats.lastOp > (kr.stats.firstStart ?? kr.stats.lastOp) ? Double(kernelOps) / (kr.stats.lastOp - kr.stats.firstStart!).seconds : 0))
        }
        let workloads = workloadStats.enumerated().map { i, w -> WorkloadResult in
            let start = w.firstStart ?? .zero
            let elapsed = w.lastOp > start ? Double((w.lastOp - start).raw) / 1000 : 0
            let mine = tasks.indices.filter { tasks[$0].workload == i }
            return WorkloadResult(name: w.name, tasks: w.tasks, ops: w.ops, elapsedNs: elapsed,
                                  throughputPerSecond: elapsed > 0 ? Double(w.ops) / (elapsed * 1e-9) : 0,
                                  latency: LatencySummary(w.latency), cpuTimeNs: mine.reduce(0) { $0 + cpuTime[$1] },
                                  fairness: fairness(mine), wakeupLatency: LatencySummary(w.wakeupLatency),
                                  runqueueWait: LatencySummary(w.runqueueWait),
                                  deadlineMisses: mine.reduce(0) { $0 + tasks[$1].generator.deadlineMisses },
                                  slices: LatencySummary(w.slices),
                                  preemptions: mine.reduce(0) { $0 + tasks[$1].sched.preemptions },
                                  voluntarySwitches: mine.reduce(0) { $0 + tasks[$1].sched.voluntary },
                                  migrations: w.migrations, crossKernelTransferMeanNs: w.transfer.meanNs,
                                  crossKernelTransferMaxNs: w.transfer.maxNs, exited: w.exited,
                                  makespanNs: w.exited == w.tasks && w.tasks > 0 ? (w.lastExit - start).nanoseconds : nil,
                                  sharedPages: memory.regionOfWorkload[i].map { (memory.regions[$0].readFaults, memory.regions[$0].writeFaults, memory.regions[$0].invalidations) },
                                  willItScale: willItScaleReport(workload: i, tasks: mine, elapsedNs: elapsed))
        }
        var perWorkload = [Int](repeating: 0, count: workloadStats.count)
        let taskResults = tasks.indices.map { t -> TaskResult in
            let task = tasks[t], s = task.sched
            let index = perWorkload[task.workload]
            perWorkload[task.workload] += 1
            return TaskResult(workload: workloadStats[task.workload].name, index: index, kernel: config.kernels[task.kernel].name,
                              lastCPU: task.scheduling.lastCPU, cpuTimeNs: cpuTime[t], ops: task.ops, slices: s.slices,
                              preemptions: s.preemptions, voluntarySwitches: s.voluntary, migrations: s.migrations,
                              wakeups: s.wakeup.count, wakeupMeanNs: s.wakeup.meanNs, wakeupMaxNs: s.wakeup.maxNs,
                              runqueueWaitMeanNs: s.wait.meanNs, runqueueWaitMaxNs: s.wait.maxNs,
                              exitedNs: s.exitedAt?.nanoseconds, waitsOn: waitsOn(task: t))
        }
        let transfers = TransferCounts(counts: AccessSource.allCases.map { directory.transfers[$0.rawValue] })
        // Hottest lines: most misses, then most queueing, then lowest id (deterministic).
        let counts = directory.lineCounts()
        let ranked = counts.indices.filter { counts[$0].misses > 0 }.sorted {
            let a = counts[$0].misses, b = counts[$1].misses
            if a != b { return a > b }
            let wa = counts[$0].queueWaitPs, wb = counts[$1].queueWaitPs
            if wa != wb { return wa > wb }
            return $0 < $1
        }
        let hot = ranked.prefix(5).map { l in
            HotLine(name: directory.names[l], misses: counts[l].misses, accesses: counts[l].accesses,
                    remoteTransfers: counts[l].remoteTransfers, queueWaitNs: Double(counts[l].queueWaitPs) / 1000,
                    touchedBy: directory.touchers(of: LineID(l)))
        }
        let devicePending = devicePending()
        return SimulationResult(
            simTime: end, kernels: kernelResults, workloads: workloads, tasks: taskResults, transfers: transfers,
            memoryAccesses: counts.reduce(0) { $0 + $1.accesses }, caches: directory.cacheStats, writebacks: directory.writebacks,
            servers: directory.serverStats(elapsed: end), linkMessages: directory.linkMessages,
            hotLines: hot,
            channels: channelResults(), ipiSent: apic.sent.reduce(0, +), ipiDelivered: apic.received.reduce(0, +),
            ipiLatency: ipis.latency.summary, ipiAccounting: ipiAccounting(devicePending: devicePending),
            moves: moveResults(),
            devices: deviceResults(devicePending: devicePending),
            traces: traceResults(),
            host: HostStats(wallSeconds: wallSeconds, events: progress.events, inlineOperations: progress.inlineOperations), stalledAt: progress.stalledSince,
            storeBuffer: storeBuffers.enabled
                ? StoreBufferStats(entries: storeBuffers.capacity, stores: storeBuffers.buffered, forwarded: storeBuffers.forwarded,
                                   fullStalls: storeBuffers.fullStalls, drainWaits: storeBuffers.drainWaits) : nil)
    }
}

