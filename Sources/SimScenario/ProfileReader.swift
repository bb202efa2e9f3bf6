import Foundation
import SimKernelModel
import SimMachine

/// Reads a syscall profile from a YAML file (the format of `profiles/linux.yaml`, described
/// in docs/kernel-model.md): kernel objects, syscall paths as lists of steps, entry and
/// switch costs, and a source for each figure.
enum ProfileReader {
    static let stepKinds = ["read", "write", "atomic", "lock", "unlock", "lock_read", "unlock_read", "pipe", "sched", "tlb_shootdown", "batch", "repeat", "list_add", "list_del"]

    /// The profile at `path`, or nil with every problem reported to `check` (with the
    /// profile file's own lines).
    static func load(path: String, into check: Checker) -> SyscallProfile? {
        let local = Checker(file: path)
        defer { check.absorb(local) }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            local.error(.unknown, "", "cannot read the profile file")
            return nil
        }
        let root: YNode
        do { root = try YNode.parse(text, file: path) } catch {
            for d in error.diagnostics { local.error(SourceMark(line: d.line, column: d.column), d.path, d.message) }
            return nil
        }
        return read(root, local)
    }

    static func read(_ root: YNode, _ check: Checker) -> SyscallProfile? {
        guard let f = check.mapping(root, "", known: ["mksim-profile", "name", "entry_exit", "context_switch", "jitter", "objects",
                                                       "syscalls", "sources"],
                                    required: ["mksim-profile", "name", "entry_exit", "context_switch", "syscalls"]) else { return nil }
        if let v = f["mksim-profile"], check.int(v, "mksim-profile", min: 1, max: 1) == nil { return nil }
        let name = f["name"].flatMap { check.string($0, "name") } ?? ""
        let entry = f["entry_exit"].flatMap { check.duration($0, "entry_exit") } ?? .zero
        let switchCost = f["context_switch"].flatMap { check.duration($0, "context_switch") } ?? .zero
        let jitter = f["jitter"].flatMap { check.fraction($0, "jitter") } ?? 0

        var objects: [KernelObject] = []
        if let list = f["objects"].flatMap({ check.list($0, "objects") }) {
            for (i, item) in list.enumerated() {
                let p = "objects[\(i)]"
                guard let o = check.mapping(item, p, known: ["name", "kind", "lock", "scope", "irqsave"], required: ["name", "kind", "scope"]),
                      let n = o["name"].flatMap({ check.string($0, p + ".name") }),
                      let kind = o["kind"].flatMap({ check.choice($0, p + ".kind", ["line", "lock"]) }),
                      let scope = o["scope"].flatMap({ check.choice($0, p + ".scope", ObjectScope.allCases.map(\.rawValue)) })
                else { continue }
                if objects.contains(where: { $0.name == n }) { check.error(item.mark, p + ".name", "object '\(n)' is defined twice") }
                var k = KernelObjectKind.line
                if kind == "lock" {
                    let alg = o["lock"].flatMap { check.choice($0, p + ".lock", LockAlgorithm.allCases.map(\.rawValue)) } ?? "mcs"
                    k = .lock(LockAlgorithm(rawValue: alg)!)
                }
                let irqsave = o["irqsave"].flatMap { check.bool($0, p + ".irqsave") } ?? false
                if irqsave && kind != "lock" { check.error(o["irqsave"]!.mark, p + ".irqsave", "only a lock is taken with interrupts off") }
                objects.append(KernelObject(name: n, kind: k, scope: ObjectScope(rawValue: scope)!, irqsave: irqsave))
            }
        }

        var syscalls: [SyscallPath] = []
        if let node = f["syscalls"], case .mapping(let pairs) = node.value {
            for pair in pairs {
                let p = "syscalls.\(pair.key)"
                guard let steps = check.list(pair.value, p) else { continue }
                var path: [KernelStep] = []
                for (j, s) in steps.enumerated() {
                    if let step = readStep(s, "\(p)[\(j)]", objects: objects, check) { path.append(step) }
                }
                syscalls.append(SyscallPath(name: pair.key, steps: path))
            }
        } else if let node = f["syscalls"] {
            check.error(node.mark, "syscalls", "expected a mapping of syscall names to lists of steps")
        }

        var sources: [(String, String)] = []
        if let node = f["sources"], case .mapping(let pairs) = node.value {
            for pair in pairs { if let s = check.string(pair.value, "sources.\(pair.key)") { sources.append((pair.key, s)) } }
        }
        guard check.diagnostics.isEmpty else { return nil }
        return SyscallProfile(name: name, entryExit: entry, contextSwitch: switchCost, jitter: jitter, objects: objects,
                              syscalls: syscalls, sources: sources)
    }

    /// `{tlb_shootdown: DURATION}` or `{tlb_shootdown: {invalidate: DURATION, freed_tables: BOOL}}`.
    private static func readShootdownStep(_ v: YNode, _ p: String, _ check: Checker) -> KernelStep? {
        if v.scalar != nil { return check.duration(v, p).map { .tlbShootdown(invalidate: $0) } }
        guard let m = check.mapping(v, p, known: ["invalidate", "freed_tables"], required: ["invalidate"]),
              let given = m["invalidate"], let invalidate = check.duration(given, p + ".invalidate") else { return nil }
        var freed = false
        if let f = m["freed_tables"] {
            guard let b = check.bool(f, p + ".freed_tables") else { return nil }
            freed = b
        }
        return .tlbShootdown(invalidate: invalidate, freedTables: freed)
    }

    /// `{list_add|list_del: {list: LINE, entry: LINE}}`.
    private static func readListStep(_ kind: String, _ v: YNode, _ p: String, objects: [KernelObject], _ check: Checker) -> KernelStep? {
        guard let m = check.mapping(v, p, known: ["list", "entry"], required: ["list", "entry"]) else { return nil }
        var found: [Int] = []
        for key in ["list", "entry"] {
            guard let node = m[key], let name = check.string(node, p + "." + key) else { return nil }
            guard let i = objects.firstIndex(where: { $0.name == name }), objects[i].kind == .line else {
                check.error(node.mark, p + "." + key, "no line object named '\(name)'")
                return nil
            }
            found.append(i)
        }
        return kind == "list_add" ? .listAdd(list: found[0], entry: found[1]) : .listDel(list: found[0], entry: found[1])
    }

    /// `{batch: {every: N, steps: [...]}}` (run on every N-th pass on a CPU) or
    /// `{repeat: {times: N, steps: [...]}}`.
    private static func readNestedSteps(_ kind: String, _ v: YNode, _ p: String, objects: [KernelObject], _ check: Checker) -> KernelStep? {
        let countKey = kind == "batch" ? "every" : "times"
        guard let m = check.mapping(v, p, known: [countKey, "steps"], required: [countKey, "steps"]),
              let n = m[countKey].flatMap({ check.int($0, p + "." + countKey, min: 1, max: 1 << 20) }),
              let list = m["steps"].flatMap({ check.list($0, p + ".steps") }) else { return nil }
        var steps: [KernelStep] = []
        for (j, s) in list.enumerated() {
            if let step = readStep(s, "\(p).steps[\(j)]", objects: objects, check) { steps.append(step) }
        }
        return kind == "batch" ? .perCPUBatch(every: n, steps: steps) : .repeated(times: n, steps: steps)
    }

    /// A step: a duration (work), `{read|write|atomic|lock|unlock: OBJECT}`, `{pipe: read|write}`
    /// `{sched: yield}` or `{tlb_shootdown: DURATION}` (each other CPU's invalidation).
    private static func readStep(_ s: YNode, _ p: String, objects: [KernelObject], _ check: Checker) -> KernelStep? {
        if s.scalar != nil { return check.duration(s, p).map { .compute($0) } }
        guard case .mapping(let pairs) = s.value, pairs.count == 1, let pair = pairs.first else {
            check.error(s.mark, p, "expected a duration (work) or one of {\(stepKinds.map { "\($0): …" }.joined(separator: ", "))}")
            return nil
        }
        guard stepKinds.contains(pair.key) else {
            let hint = nearest(pair.key, in: stepKinds).map { "; did you mean '\($0)'?" } ?? ""
            check.error(pair.keyMark, p + "." + pair.key, "unknown step '\(pair.key)'\(hint)")
            return nil
        }
        if pair.key == "pipe" {
            guard let end = check.choice(pair.value, p + ".pipe", ["read", "write"]) else { return nil }
            return end == "read" ? .pipeRead : .pipeWrite
        }
        if pair.key == "tlb_shootdown" {
            return readShootdownStep(pair.value, p + ".tlb_shootdown", check)
        }
        if pair.key == "list_add" || pair.key == "list_del" {
            return readListStep(pair.key, pair.value, p + "." + pair.key, objects: objects, check)
        }
        if pair.key == "batch" || pair.key == "repeat" {
            return readNestedSteps(pair.key, pair.value, p + "." + pair.key, objects: objects, check)
        }
        if pair.key == "sched" {
            guard check.choice(pair.value, p + ".sched", ["yield"]) != nil else { return nil }
            return .yield
        }
        guard let name = check.string(pair.value, p + "." + pair.key) else { return nil }
        guard let i = objects.firstIndex(where: { $0.name == name }) else {
            let hint = nearest(name, in: objects.map(\.name)).map { "; did you mean '\($0)'?" } ?? ""
            check.error(pair.value.mark, p + "." + pair.key, "no object named '\(name)'\(hint)")
            return nil
        }
        let isLock: Bool = { if case .lock = objects[i].kind { return true } else { return false } }()
        switch pair.key {
        case "lock", "unlock":
            guard isLock else { check.error(pair.value.mark, p + "." + pair.key, "'\(name)' is a line, not a lock"); return nil }
            return pair.key == "lock" ? .lock(object: i) : .unlock(object: i)
        case "lock_read", "unlock_read":
            guard objects[i].kind == .lock(.rwsem) || objects[i].kind == .lock(.rwlock) else {
                check.error(pair.value.mark, p + "." + pair.key, "'\(name)' is not a reader-writer lock (rwsem or rwlock): take it with lock/unlock")
                return nil
            }
            return pair.key == "lock_read" ? .lockShared(object: i) : .unlockShared(object: i)
        default:
            guard !isLock else { check.error(pair.value.mark, p + "." + pair.key, "'\(name)' is a lock: take it with lock/unlock"); return nil }
            return pair.key == "read" ? .read(object: i) : pair.key == "write" ? .write(object: i) : .atomic(object: i)
        }
    }
}
