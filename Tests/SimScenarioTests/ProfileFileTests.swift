import Foundation
import SimKernelModel
import SimMachine
@testable import SimScenario
import Testing

/// Syscall profiles as data: profiles/linux.yaml reads back into the built-in profile, and
/// a scenario can name a profile file.
@Suite struct ProfileFileTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized

    @Test func linuxYAMLIsTheBuiltInProfile() throws {
        let check = Checker(file: "t")
        let p = ProfileReader.load(path: Self.root.appendingPathComponent("profiles/linux.yaml").path, into: check)
        #expect(check.diagnostics.isEmpty, "\(check.diagnostics)")
        #expect(p == SyscallProfile.linux)
        #expect(p?.sources.count == SyscallProfile.linux.sources.count)
    }

    @Test func mistakesInAProfileFileNameTheFileAndLine() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mksim-profile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try """
        mksim-profile: 1
        name: mine
        entry_exit: 100ns
        context_switch: 2us
        objects:
          - {name: big, kind: lock, lock: ticket, scope: machine}
        syscalls:
          poke: [10ns, {lock: bigg}, {read: big}]
        """.write(to: dir.appendingPathComponent("mine.yaml"), atomically: true, encoding: .utf8)
        let scenario = """
        mksim: 1
        machine: {preset: teaching-2s4c}
        kernels: [{name: k, cpus: all, profile: mine.yaml}]
        workloads: [{name: w, on: k, threads: 1, generate: {kind: syscall-loop, syscall: poke, iterations: 1}}]
        """
        let path = dir.appendingPathComponent("s.yaml").path
        try scenario.write(toFile: path, atomically: true, encoding: .utf8)
        let d = try ScenarioFile.load(path: path).validate()
        let inProfile = d.filter { $0.file.hasSuffix("mine.yaml") }
        #expect(inProfile.contains { $0.line == 8 && $0.path == "syscalls.poke[1].lock" && $0.message.contains("did you mean 'big'") }, "\(d)")
        #expect(inProfile.contains { $0.line == 8 && $0.message.contains("is a lock") }, "\(d)")
    }

    /// A small profile file's text read back: its objects (flow mappings), one path of
    /// `steps`; the path is on line 7 plus one per object.
    static func readProfile(objects: [String], path: String, steps: String) -> (SyscallProfile?, [Diagnostic]) {
        let check = Checker(file: "p.yaml")
        let objectLines = objects.isEmpty ? "objects: []" : (["objects:"] + objects.map { "  - " + $0 }).joined(separator: "\n")
        let text = "mksim-profile: 1\nname: p\nentry_exit: 70ns\ncontext_switch: 1us\n\(objectLines)\nsyscalls:\n  \(path): [\(steps)]\n"
        guard let root = try? YNode.parse(text, file: "p.yaml") else { return (nil, []) }
        return (ProfileReader.read(root, check), check.diagnostics)
    }

    /// The steps of the will-it-scale paths: reader-side locks only on reader-writer locks,
    /// per-CPU batches and repeats with their counts, list steps on two lines.
    @Test func readerLocksBatchesRepeatsAndListsAreChecked() throws {
        func read(_ yaml: String) -> (SyscallProfile?, [Diagnostic]) {
            Self.readProfile(objects: ["{name: sem, kind: lock, lock: rwsem, scope: instance}", "{name: spin, kind: lock, lock: mcs, scope: process}",
                                       "{name: head, kind: line, scope: instance}", "{name: mine, kind: line, scope: task}"],
                             path: "path", steps: yaml)
        }
        let (ok, none) = read("{lock_read: sem}, {batch: {every: 63, steps: [{lock: spin}, 10ns, {unlock: spin}]}}, {repeat: {times: 3, steps: [{write: head}]}}, {list_add: {list: head, entry: mine}}, {unlock_read: sem}")
        #expect(none.isEmpty, "\(none)")
        #expect(ok?.syscalls.first?.steps == [
            .lockShared(object: 0), .perCPUBatch(every: 63, steps: [.lock(object: 1), .compute(Picoseconds(ns: 10)), .unlock(object: 1)]),
            .repeated(times: 3, steps: [.write(object: 2)]), .listAdd(list: 2, entry: 3), .unlockShared(object: 0),
        ])
        let (_, spin) = read("{lock_read: spin}")
        #expect(spin.contains { $0.line == 11 && $0.path == "syscalls.path[0].lock_read" && $0.message.contains("not a reader-writer lock") }, "\(spin)")
        let (_, zero) = read("{batch: {every: 0, steps: []}}")
        #expect(zero.contains { $0.path == "syscalls.path[0].batch.every" }, "\(zero)")
        let (_, list) = read("{list_del: {list: head, entry: sem}}")
        #expect(list.contains { $0.path == "syscalls.path[0].list_del.entry" && $0.message.contains("no line object named 'sem'") }, "\(list)")
    }

    @Test func aShootdownStepTakesADurationOrItsTwoKeys() throws {
        func steps(_ yaml: String) -> (KernelStep?, [Diagnostic]) {
            let (p, d) = Self.readProfile(objects: [], path: "flush", steps: yaml)
            return (p?.syscalls.first?.steps.first, d)
        }
        #expect(steps("{tlb_shootdown: 150ns}").0 == .tlbShootdown(invalidate: Picoseconds(ns: 150)))
        #expect(steps("{tlb_shootdown: {invalidate: 150ns, freed_tables: true}}").0
                == .tlbShootdown(invalidate: Picoseconds(ns: 150), freedTables: true))
        let (_, d) = steps("{tlb_shootdown: {invalidate: 150ns, freed_table: yes}}")
        #expect(d.contains { $0.line == 7 && $0.path == "syscalls.flush[0].tlb_shootdown.freed_table" && $0.message.contains("did you mean 'freed_tables'") }, "\(d)")
        let (_, missing) = steps("{tlb_shootdown: {freed_tables: true}}")
        #expect(missing.contains { $0.path == "syscalls.flush[0].tlb_shootdown.invalidate" && $0.message.contains("missing") }, "\(missing)")
    }

    @Test func aScenarioRunsOnAProfileFile() throws {
        let path = Self.root.appendingPathComponent("scenarios/quickstart.yaml").path
        let file = try ScenarioFile.load(path: path)
        let viaFile = try file.points(overrides: [("kernels.left.profile", YNode.commandLine("../profiles/linux.yaml")),
                                                  ("kernels.right.profile", YNode.commandLine("../profiles/linux.yaml"))], variant: "split")
        let builtin = try file.points(variant: "split")
        #expect(viaFile[0].scenario.config.kernels[0].profile == builtin[0].scenario.config.kernels[0].profile)
    }
}
