import SimMachine

/// The `cpus:` syntax: `all`, `socket1`, `node0`, `0-15,32-47`, a list, or a count.
enum CPUList {
    /// Resolves a textual CPU set against a topology; `free` are CPUs not yet given out,
    /// for counts. Returns the CPUs in ascending Linux order, or a reason.
    /// `allowCount`: a bare integer is a count (false for YAML lists, whose items are CPU ids).
    static func parse(_ text: String, topology: Topology, free: [Int], allowCount: Bool = true) -> Result<[Int], CPUListError> {
        let t = text.trimmingCharacters(in: .whitespaces)
        let n = topology.cpuCount
        if t == "all" { return .success(Array(0..<n)) }
        if allowCount, let count = Int(t) {
            guard count >= 1 else { return .failure(CPUListError(why: "a CPU count must be at least 1")) }
            guard count <= free.count else { return .failure(CPUListError(why: "asks for \(count) CPUs but only \(free.count) are left")) }
            return .success(Array(free.prefix(count)))
        }
        var out = Set<Int>()
        for part in t.split(separator: ",") {
            let p = part.trimmingCharacters(in: .whitespaces)
            if p.hasPrefix("socket"), let s = Int(p.dropFirst(6)) {
                guard s >= 0 && s < topology.sockets else {
                    return .failure(CPUListError(why: "'\(p)' does not exist: the machine has sockets 0-\(topology.sockets - 1)"))
                }
                out.formUnion(topology.cpus(ofSocket: s))
            } else if p.hasPrefix("node"), let node = Int(p.dropFirst(4)) {
                guard node >= 0 && node < topology.numaNodeCount else {
                    return .failure(CPUListError(why: "'\(p)' does not exist: the machine has NUMA nodes 0-\(topology.numaNodeCount - 1)"))
                }
                out.formUnion((0..<n).filter { topology.numaNode(of: $0) == node })
            } else if let r = IndexList.part(p, count: n, noun: "CPU") {
                switch r {
                case .success(let range): out.formUnion(range)
                case .failure(let e): return .failure(e)
                }
            } else {
                return .failure(CPUListError(why: "'\(p)' is not a CPU, range, socketN or nodeN"))
            }
        }
        guard !out.isEmpty else { return .failure(CPUListError(why: "the CPU set is empty")) }
        return .success(out.sorted())
    }
}

struct CPUListError: Error { var why: String }
