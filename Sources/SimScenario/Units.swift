import Foundation
import SimMachine

/// Parsing of quantities with units. Every function returns nil on a malformed value;
/// the caller turns that into a diagnostic that shows an accepted form.
enum Units {
    /// Splits "2.8GHz", "64 cycles", "1_000ns" into a number and a unit.
    static func split(_ text: String) -> (Double, String)? {
        let s = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "_", with: "")
        var end = s.startIndex
        for (i, ch) in zip(s.indices, s) {
            if ch.isNumber || ch == "." || ch == "-" || ch == "+" || ((ch == "e" || ch == "E") && i != s.startIndex) {
                // Allow exponents only when followed by a digit or sign.
                if ch == "e" || ch == "E" {
                    let next = s.index(after: i)
                    if next == s.endIndex || !(s[next].isNumber || s[next] == "-" || s[next] == "+") { break }
                }
                end = s.index(after: i)
            } else {
                break
            }
        }
        guard end > s.startIndex, let v = Double(s[s.startIndex..<end]), v.isFinite else { return nil }
        return (v, s[end...].trimmingCharacters(in: .whitespaces))
    }

    /// A duration: ps, ns, us/µs, ms, s. Cycles are handled by `Work`.
    static func duration(_ text: String) -> Picoseconds? {
        guard let (v, unit) = split(text), v >= 0 else { return nil }
        let scale: Double
        switch unit {
        case "ps": scale = 1
        case "ns": scale = 1e3
        case "us", "µs": scale = 1e6
        case "ms": scale = 1e9
        case "s": scale = 1e12
        default: return nil
        }
        let ps = v * scale
        guard ps < 1.8e19 else { return nil }
        return Picoseconds(UInt64(ps.rounded()))
    }

    static func frequency(_ text: String) -> Frequency? {
        guard let (v, unit) = split(text), v > 0 else { return nil }
        let scale: Double
        switch unit {
        case "Hz": scale = 1
        case "kHz": scale = 1e3
        case "MHz": scale = 1e6
        case "GHz": scale = 1e9
        default: return nil
        }
        let hz = v * scale
        guard hz >= 1, hz < 1e15 else { return nil }  // up to 1 PHz; beyond is a typo
        return Frequency(hertz: UInt64(hz.rounded()))
    }

    /// A size: B, KiB, MiB, GiB, TiB (binary) or KB, MB, GB, TB (decimal).
    static func size(_ text: String) -> UInt64? {
        guard let (v, unit) = split(text), v >= 0 else { return nil }
        let scale: Double
        switch unit {
        case "B": scale = 1
        case "KiB": scale = 1024
        case "MiB": scale = 1024 * 1024
        case "GiB": scale = 1024 * 1024 * 1024
        case "TiB": scale = 1024 * 1024 * 1024 * 1024
        case "KB", "kB": scale = 1e3
        case "MB": scale = 1e6
        case "GB": scale = 1e9
        case "TB": scale = 1e12
        default: return nil
        }
        let b = v * scale
        guard b < 1.8e19 else { return nil }
        return UInt64(b.rounded())
    }

    /// A bandwidth in bytes per second: "122GB/s", "51 GiB/s", "800MB/s".
    static func bandwidth(_ text: String) -> UInt64? {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard t.hasSuffix("/s") else { return nil }
        return size(String(t.dropLast(2)))
    }

    /// A fraction: "0.25" or "25%".
    static func fraction(_ text: String) -> Double? {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.hasSuffix("%"), let v = Double(t.dropLast()) { return v >= 0 && v <= 100 ? v / 100 : nil }
        if let v = Double(t), v >= 0, v <= 1 { return v }
        return nil
    }
}

/// An amount of work: a duration or a number of core cycles.
public enum Work: Sendable, Equatable {
    case time(Picoseconds)
    case cycles(UInt64)

    static func parse(_ text: String) -> Work? {
        if let (v, unit) = Units.split(text), unit == "cycles" || unit == "cycle", v >= 0, v < 1e18 {
            return .cycles(UInt64(v.rounded()))
        }
        return Units.duration(text).map(Work.time)
    }

    func cycles(at f: Frequency) -> UInt64 {
        switch self {
        case .cycles(let c): c
        case .time(let t): UInt64(min(f.cycles(in: t).rounded(), 1e18))
        }
    }

    func time(at f: Frequency) -> Picoseconds {
        switch self {
        case .cycles(let c): f.duration(cycles: c)
        case .time(let t): t
        }
    }
}

/// A window of simulated time written `FROM..TO` with durations (`1ms..2ms`; either end
/// may be left out: `..2ms`, `1ms..`); nil when malformed or empty.
/// A size with its unit, as in a scenario (16GiB, 512MB): for options like --max-memory.
public func parseSize(_ text: String) -> UInt64? { Units.size(text) }

/// A duration with its unit, as in a scenario (25us, 1.5ms): for step mode's `until`.
public func parseDuration(_ text: String) -> Picoseconds? { Units.duration(text) }

public func parseTimeWindow(_ text: String) -> (from: Picoseconds, to: Picoseconds)? {
    let parts = text.components(separatedBy: "..")
    guard parts.count == 2 else { return nil }
    let from = parts[0].isEmpty || parts[0] == "0" ? Picoseconds.zero : Units.duration(parts[0])
    let to = parts[1].isEmpty ? Picoseconds.max : Units.duration(parts[1])
    guard let from, let to, from < to else { return nil }
    return (from, to)
}
