import SimScenario
import Testing

@Suite struct ScenarioErrorTests {
    /// Acceptance: a typo'd key, a missing unit and a bad CPU range give three clear errors.
    @Test func threeErrorsWithPositions() throws {
        let text = """
        mksim: 1
        name: broken
        machine:
          preset: teaching-2s4c
          coherence:
            transfer: {socket: 40}
        kernels:
          - name: k
            cpus: 0-12
        workloads:
          - name: w
            on: all
            thread: 2
            generate: {kind: syscall-loop, syscall: getpid, iterations: 10}
        """
        let diagnostics = try ScenarioFile.parse(text, path: "broken.yaml").validate()
        #expect(diagnostics.count == 3)
        guard diagnostics.count == 3 else { Issue.record("\(diagnostics)"); return }
        let (unit, range, typo) = (diagnostics[0], diagnostics[1], diagnostics[2])
        #expect(unit.line == 6 && unit.column == 24)
        #expect(unit.path == "machine.coherence.transfer.socket")
        #expect(unit.message.contains("needs a unit") && unit.message.contains("40ns"))
        #expect(range.line == 9 && range.column == 11)
        #expect(range.path == "kernels[0].cpus")
        #expect(range.message.contains("0-12") && range.message.contains("last CPU (7)"))
        #expect(typo.line == 13 && typo.column == 5)
        #expect(typo.path == "workloads[0].thread")
        #expect(typo.message.contains("did you mean 'threads'"))
        #expect(typo.description.hasPrefix("broken.yaml:13:5: error: workloads[0].thread: unknown key"))
    }

    /// What the build step rejects, validate rejects too, at the item (and key) it is about:
    /// a generator's thread count, CPUs a move's donor does not own, a channel's ends.
    @Test func buildProblemsPointAtTheirItem() throws {
        let text = """
        mksim: 1
        name: fit
        machine: {preset: teaching-2s4c}
        kernels:
          - {name: a, cpus: socket0, memory: {size: 1GiB, node: 0}}
          - {name: b, cpus: socket1, memory: {size: 1GiB, node: 1}}
        workloads:
          - {name: w, on: a, threads: 1, generate: {kind: syscall-loop, syscall: getpid, iterations: 1}}
          - {name: pp, on: a, threads: 8, generate: {kind: pipe-pingpong, iterations: 10}}
        variants:
          moves:
            workloads: [{name: w, on: a, threads: 1, generate: {kind: syscall-loop, syscall: getpid, iterations: 1}}]
            moves: [{at: 1ms, cpus: [5], from: a, to: b}]
          loop:
            workloads: [{name: w, on: a, threads: 1, generate: {kind: syscall-loop, syscall: getpid, iterations: 1}}]
            channels: [{name: self, between: [a, a]}]
        """
        let d = try ScenarioFile.parse(text, path: "fit.yaml").validate()
        #expect(d.contains { $0.line == 9 && $0.column == 5 && $0.path == "workloads[1]" && $0.message.contains("pipe-pingpong runs 2 threads") }, "\(d)")
        #expect(d.contains { $0.line == 13 && $0.path == "moves[0].cpus" && $0.message.contains("does not own CPUs [5]") }, "\(d)")
        #expect(d.contains { $0.line == 16 && $0.path == "channels[0].between" && $0.message.contains("two different kernels") }, "\(d)")
        #expect(d.count == 3, "\(d)")
    }

    /// Channel transports and socket links: mismatched keys are errors at their position.
    @Test func channelAndLinkMistakes() throws {
        let text = """
        mksim: 1
        machine:
          preset: teaching-2s4c
          socket_links: [[0, 2]]
        kernels:
          - {name: a, cpus: socket0}
          - {name: b, cpus: socket1}
        channels:
          - {name: c, between: [a, b], transport: linux, stub: 50 cycles}
          - {name: d, between: [a, b], transport: urcp}
        workloads:
          - name: r
            on: b
            threads: 1
            generate: {kind: receive, channel: c, iterations: 10}
        """
        let d = try ScenarioFile.parse(text, path: "m.yaml").validate()
        let byPath = Dictionary(d.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(byPath["machine"]?.message.contains("socket link 0-2") == true && byPath["machine"]?.line == 4, "\(d)")
        #expect(byPath["channels[0].stub"]?.message.contains("urpc") == true && byPath["channels[0].stub"]?.line == 9)
        #expect(byPath["channels[1].transport"]?.message.contains("urpc") == true && byPath["channels[1].transport"]?.line == 10)
        #expect(byPath["workloads[0].generate.kind"]?.message.contains("interrupt handler") == true, "\(d)")
    }

    /// Cache partitions and shootdown agreement: wrong values are errors at their position.
    @Test func partitionAndAgreementMistakes() throws {
        let text = """
        mksim: 1
        name: p
        machine: {preset: teaching-2s4c}
        kernels:
          - {name: a, cpus: 0-1, llc_ways: 0-16}
          - {name: b, cpus: 2-3, llc_ways: [3, x]}
          - {name: c, cpus: 4-5, llc_ways: 15-12}
        workloads:
          - name: u
            on: a
            threads: 1
            generate: {kind: shootdown, protocol: ipi, agreement: two-phase, iterations: 10}
        """
        let d = try ScenarioFile.parse(text, path: "p.yaml").validate()
        let byPath = Dictionary(d.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(byPath["kernels[0].llc_ways"]?.message.contains("last way (15)") == true && byPath["kernels[0].llc_ways"]?.line == 5, "\(d)")
        #expect(byPath["kernels[1].llc_ways"]?.message.contains("'x' is not a way") == true, "\(d)")
        #expect(byPath["kernels[2].llc_ways"]?.message.contains("backwards") == true, "\(d)")
        #expect(byPath["workloads[0].generate.agreement"]?.message.contains("message protocol") == true
                && byPath["workloads[0].generate.agreement"]?.line == 12, "\(d)")
        #expect(d.count == 4, "\(d)")
    }

    /// A foreign write names an object the target kernel does not hold in its memory.
    /// A "billion laughs" (aliases of aliases, 10^9 strings from ten lines) is refused at the
    /// limit, with its position, instead of growing without end (it took 2.3 GB in 8 s).
    @Test func anAliasBombIsRefusedAtTheLimit() throws {
        var lines = ["mksim: 1", "name: bomb", "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        for i in 1...8 { lines.append("a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]") }
        do {
            _ = try ScenarioFile.parse(lines.joined(separator: "\n"), path: "bomb.yaml")
            Issue.record("the bomb parsed")
        } catch {
            let d = error.diagnostics
            #expect(d.count == 1 && d[0].line == 3 && d[0].message.contains("more than 100000 nodes") && d[0].message.contains("limits"), "\(d)")
        }
    }

    /// The store buffer's switch and Barrelfish's unmap costs: each mistake at its key.
    @Test func storeBufferAndBarrelfishMistakes() throws {
        let text = """
        mksim: 1
        name: broken
        machine: {preset: opteron-8x4, store_buffer: lots}
        kernels: [{name: k, cpus: all}]
        workloads:
          - {name: a, on: k, generate: {kind: shootdown, protocol: ipi, design: barrelfish, iterations: 5}}
          - {name: b, on: k, generate: {kind: shootdown, protocol: unicast, lrpc: 700 cycles, iterations: 5}}
        """
        let d = try ScenarioFile.parse(text, path: "broken.yaml").validate()
        guard d.count == 3 else { Issue.record("\(d)"); return }
        #expect(d[0].line == 3 && d[0].path == "machine.store_buffer" && d[0].message.contains("on, off or a number of entries"))
        #expect(d[1].line == 6 && d[1].path == "workloads[0].generate.design" && d[1].message.contains("not ipi"))
        #expect(d[2].line == 7 && d[2].path == "workloads[1].generate.lrpc" && d[2].message.contains("design: barrelfish"))
        // Off the published machines, Barrelfish's unmap needs its LRPC cost.
        let elsewhere = """
        mksim: 1
        name: elsewhere
        machine: {preset: teaching-2s4c}
        kernels: [{name: k, cpus: all}]
        workloads: [{name: u, on: k, generate: {kind: shootdown, protocol: unicast, design: barrelfish, iterations: 5}}]
        """
        let e = try ScenarioFile.parse(elsewhere, path: "elsewhere.yaml").validate()
        #expect(e.count == 1 && e.first?.message.contains("needs `lrpc`") == true, "\(e)")
    }

    @Test func foreignWritesToAnUnknownObject() throws {
        let text = """
        mksim: 1
        name: stray
        machine: {preset: teaching-2s4c}
        kernels:
          - {name: host, cpus: socket0}
          - {name: spawn, cpus: socket1}
        workloads:
          - name: w
            on: host
            generate: {kind: foreign-writes, target: spawn, object: sb_inode_list_lok, corrupt: true, iterations: 1}
        """
        let d = try ScenarioFile.parse(text, path: "stray.yaml").validate()
        #expect(d.count == 1)
        #expect(d.first?.path == "workloads[0].generate.object" && d.first?.line == 10)
        #expect(d.first?.message.contains("did you mean 'sb_inode_list_lock'") == true, "\(d)")
    }

    @Test func sharedPagesMoveOnlyWithinTheirInstances() throws {
        let text = """
        mksim: 1
        name: share
        machine: {preset: teaching-2s4c}
        kernels:
          - {name: a, cpus: 0-1}
          - {name: b, cpus: 4-5}
          - {name: c, cpus: 6-7}
        channels: [{name: ab, between: [a, b], transport: popcorn}]
        workloads:
          - {name: s, on: [a, b], migrate: {at: 1ms, to: c}, generate: {kind: shared-pages, iterations: 10}}
        """
        let d = try ScenarioFile.parse(text, path: "share.yaml").validate()
        #expect(d.count == 1)
        #expect(d.first?.path == "workloads[0].migrate.to" && d.first?.line == 10, "\(d)")
        #expect(d.first?.message.contains("only to an instance it already spans (a, b)") == true, "\(d)")
        // The protocol's messages need popcorn's transport (it splits a page into chunks).
        let linux = text.replacingOccurrences(of: "transport: popcorn", with: "transport: linux")
        let e = try ScenarioFile.parse(linux, path: "share.yaml").validate()
        #expect(e.contains { $0.path == "workloads[0].on" && $0.line == 10 && $0.message.contains("need a popcorn channel between them") }, "\(e)")
    }

    @Test func yamlSyntaxErrorHasPosition() {
        #expect {
            _ = try ScenarioFile.parse("mksim: 1\nname: [unclosed\n", path: "bad.yaml")
        } throws: { error in
            guard let e = error as? ScenarioErrors, let d = e.diagnostics.first else { return false }
            return d.file == "bad.yaml" && d.line >= 2 && d.message.hasPrefix("YAML syntax")
        }
    }

    @Test func errorsInsideVariantsAreReported() throws {
        let text = """
        mksim: 1
        name: v
        machine: {preset: teaching-2s4c}
        kernels: [{name: k, cpus: all}]
        workloads: [{name: w, generate: {kind: syscall-loop, syscall: getpid, iterations: 1}}]
        variants:
          fast: {machine: {frequency: 3}}
        """
        let d = try ScenarioFile.parse(text, path: "v.yaml").validate()
        #expect(d.count == 1)
        #expect(d.first?.path == "machine.frequency")
        #expect(d.first?.line == 7)
    }

    @Test func unknownSyscallAndKernelSuggestNames() throws {
        let text = """
        mksim: 1
        name: s
        machine: {preset: teaching-2s4c}
        kernels: [{name: host, cpus: all}]
        workloads:
          - {name: w, on: hots, generate: {kind: syscall-loop, syscall: unlnk, iterations: 1}}
        """
        let d = try ScenarioFile.parse(text, path: "s.yaml").validate()
        #expect(d.contains { $0.message.contains("did you mean 'host'") })
        #expect(d.contains { $0.message.contains("did you mean 'unlink'") })
    }

    @Test func duplicateNamesAreRejected() throws {
        let text = """
        mksim: 1
        name: d
        machine: {preset: teaching-2s4c}
        kernels: [{name: a, cpus: socket0}, {name: b, cpus: socket1}]
        channels: [{between: [a, b]}, {between: [a, b]}]
        workloads:
          - {name: w, generate: {kind: syscall-loop, syscall: getpid, iterations: 1}}
          - {name: w, generate: {kind: syscall-loop, syscall: getpid, iterations: 1}}
        """
        let d = try ScenarioFile.parse(text, path: "d.yaml").validate()
        #expect(d.contains { $0.path == "workloads[1].name" && $0.message.contains("used twice") })
        #expect(d.contains { $0.path == "channels[1].name" && $0.message.contains("'a-b' is used twice") })
    }

    /// Regression: a nameless kernel or workload whose default name collides with a real one trapped.
    @Test func missingNamesThatCollideAreErrorsNotTraps() throws {
        let text = """
        mksim: 1
        name: n
        machine: {preset: teaching-2s4c}
        kernels: [{name: kernel1, cpus: 0-1}, {cpus: 2-3}]
        workloads:
          - {name: workload1, generate: {kind: syscall-loop, syscall: getpid, iterations: 1}}
          - {generate: {kind: syscall-loop, syscall: getpid, iterations: 1}}
        """
        let d = try ScenarioFile.parse(text, path: "n.yaml").validate()
        #expect(d.contains { $0.path == "kernels[1].name" && $0.message.contains("missing required key") })
        #expect(d.contains { $0.path == "workloads[1].name" && $0.message.contains("missing required key") })
    }

    /// A sweep may set a path that only a variant defines (a kernel of the smp overlay, say).
    @Test func sweepPathDefinedByAVariant() throws {
        let text = """
        mksim: 1
        name: v
        machine: {preset: teaching-2s4c}
        kernels: [{name: k, cpus: socket0}]
        workloads: [{name: w, generate: {kind: syscall-loop, syscall: getpid, iterations: 1}}]
        variants:
          smp: {kernels: [{name: all, cpus: all}]}
        sweep:
          variant: [smp]
          kernels.all.cpus: [all, 4]
        """
        let points = try ScenarioFile.parse(text, path: "v.yaml").points()
        #expect(points.map { $0.scenario.config.kernels[0].cpus.count } == [8, 4])
    }

    @Test func foreverWorkloadIsRejected() throws {
        let text = """
        mksim: 1
        name: f
        machine: {preset: teaching-2s4c}
        kernels: [{name: k, cpus: all}]
        workloads: [{name: w, generate: {kind: ping-pong}, threads: 2}]
        """
        let d = try ScenarioFile.parse(text, path: "f.yaml").validate()
        #expect(d.first?.message.contains("would run forever") == true)
    }
}

@Suite struct ScenarioFeatureTests {
    static let base = """
    mksim: 1
    name: feat
    seed: 5
    machine:
      preset: teaching-2s4c
    kernels:
      - {name: a, cpus: socket0}
      - {name: b, cpus: socket1}
    workloads:
      - {name: w, on: all, total_threads: 3, generate: {kind: syscall-loop, syscall: getpid, iterations: 10}}
    variants:
      smp: {kernels: [{name: all, cpus: all}]}
      split: {}
    sweep:
      variant: [smp, split]
      workloads.w.total_threads: [1, 3]
    """

    @Test func sweepExpandsInFileOrder() throws {
        let points = try ScenarioFile.parse(Self.base, path: "f.yaml").points()
        #expect(points.count == 4)
        #expect(points.map { $0.variant } == ["smp", "smp", "split", "split"])
        #expect(points.map { $0.params.first?.value } == ["1", "3", "1", "3"])
        #expect(points[0].scenario.config.kernels.count == 1)
        #expect(points[3].scenario.config.kernels.count == 2)
        // total_threads splits over the kernels: 2 + 1.
        #expect(points[3].scenario.config.workloads[0].copies.map(\.threads) == [2, 1])
    }

    @Test func setFixesASweepAxisAndOverridesValues() throws {
        let file = try ScenarioFile.parse(Self.base, path: "f.yaml")
        let points = try file.points(overrides: [("workloads.w.total_threads", YNode.commandLine("2")),
                                                 ("machine.frequency", YNode.commandLine("3GHz"))], variant: "split")
        #expect(points.count == 1)
        #expect(points[0].scenario.config.machine.frequency.hertz == 3_000_000_000)
        #expect(points[0].scenario.config.workloads[0].copies.map(\.threads) == [1, 1])
        #expect(throws: ScenarioErrors.self) { try file.points(overrides: [("workloads.nope.threads", YNode.commandLine("2"))]) }
    }

    @Test func cpuSetSyntax() throws {
        func cpus(_ spec: String) throws -> [Int] {
            let text = """
            mksim: 1
            name: c
            machine: {preset: xeon-gold-6242-2s}
            kernels: [{name: k, cpus: "\(spec)"}]
            workloads: [{name: w, generate: {kind: syscall-loop, syscall: getpid, iterations: 1}}]
            """
            return try ScenarioFile.parse(text, path: "c.yaml").points()[0].scenario.config.kernels[0].cpus
        }
        #expect(try cpus("0-3,32-33") == [0, 1, 2, 3, 32, 33])
        #expect(try cpus("socket1") == Array(16..<32) + Array(48..<64))
        #expect(try cpus("all").count == 64)
        #expect(try cpus("4") == [0, 1, 2, 3])
        #expect(try cpus("node0") == Array(0..<16) + Array(32..<48))
    }

    @Test func unitsParse() throws {
        let text = """
        mksim: 1
        name: u
        machine:
          preset: teaching-2s4c
          frequency: 2.5GHz
          caches: {l1d: {size: 48KiB, latency: 5 cycles}}
          coherence: {atomic: 8ns, transfer: {socket: [40ns, 0.5us], remote: 1_200ps}}
          memory: {per_node: 1.5GiB, bandwidth: {local: 20GB/s}}
        kernels: [{name: k, cpus: all, scheduler: {policy: round-robin, tick: 1ms}}]
        workloads: [{name: w, generate: {kind: compute-memory, compute: 100ns, shared: 25%, iterations: 1}}]
        """
        let c = try ScenarioFile.parse(text, path: "u.yaml").points()[0].scenario.config
        #expect(c.machine.frequency.hertz == 2_500_000_000)
        #expect(c.machine.caches[0].sizeBytes == 48 << 10 && c.machine.caches[0].latencyCycles == 5)
        #expect(c.machine.coherence.atomicCycles == 20)
        #expect(c.machine.coherence.socket.map(\.raw) == [40_000, 500_000])
        #expect(c.machine.coherence.remote.raw == 1_200)
        #expect(c.machine.memory.bytesPerNode == 3 << 29)
        #expect(c.machine.memory.bandwidthLocal == 20_000_000_000)
        #expect(c.kernels[0].scheduler.tick.raw == 1_000_000_000)
        guard case .computeMemory(let cycles, _, _, _, let shared, _, _, _, _) = c.workloads[0].generator else {
            Issue.record("wrong generator"); return
        }
        #expect(cycles == 250 && shared == 0.25)
    }
}
