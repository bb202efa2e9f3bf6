import Foundation
import SimKernelModel

/// Index sets written as ranges and single indices, like `0-5,8`: the part of the CPU-set
/// syntax that is not about topology, shared with the LLC-way sets of cache partitions.
enum IndexList {
    /// One comma-separated part: `a-b` or `a`, each below `count`; nil when it is neither.
    /// `noun` names an index in messages ("CPU", "way").
    static func part(_ p: String, count: Int, noun: String) -> Result<ClosedRange<Int>, CPUListError>? {
        if let dash = p.firstIndex(of: "-") {
            guard let a = Int(p[..<dash]), let b = Int(p[p.index(after: dash)...]) else {
                return .failure(CPUListError(why: "'\(p)' is not a range; write it like 0-15"))
            }
            guard a <= b else { return .failure(CPUListError(why: "range '\(p)' is backwards; write the lower \(noun) first")) }
            guard b < count else { return .failure(CPUListError(why: "range '\(p)' goes past the last \(noun) (\(count - 1))")) }
            return .success(a...b)
        }
        guard let c = Int(p) else { return nil }
        guard c >= 0 && c < count else {
            return .failure(CPUListError(why: "\(noun) \(c) does not exist: the machine has \(noun)s 0-\(count - 1)"))
        }
        return .success(c...c)
    }

    /// `all`, or comma-separated parts; the indices in ascending order.
    static func parse(_ text: String, count: Int, noun: String) -> Result<[Int], CPUListError> {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t == "all" { return .success(Array(0..<count)) }
        var out = Set<Int>()
        for piece in t.split(separator: ",") {
            let p = piece.trimmingCharacters(in: .whitespaces)
            switch part(p, count: count, noun: noun) {
            case .success(let r): out.formUnion(r)
            case .failure(let e): return .failure(e)
            case nil: return .failure(CPUListError(why: "'\(p)' is not a \(noun) or a range"))
            }
        }
        guard !out.isEmpty else { return .failure(CPUListError(why: "the set is empty")) }
        return .success(out.sorted())
    }
}

/// Indices written like `0-5,8` (or `all`), each below `count`: for options such as
/// `--narrate-cpus`; the reason when malformed.
public func parseIndexList(_ text: String, count: Int, noun: String) -> Result<[Int], ConfigurationError> {
    switch IndexList.parse(text, count: count, noun: noun) {
    case .success(let list): return .success(list)
    case .failure(let e): return .failure(ConfigurationError(e.why))
    }
}
