import Foundation

/// An axis's range and its "nice" ticks (1, 2 or 5 times a power of ten), and how its
/// numbers are written.
struct ChartScale {
    var lo: Double
    var hi: Double
    var ticks: [Double]

    /// A scale covering `values` (and 0 when `fromZero`), with about `count` ticks.
    init(covering values: [Double], fromZero: Bool, count: Int = 5) {
        var lo = values.min() ?? 0, hi = values.max() ?? 1
        if fromZero { lo = min(lo, 0); hi = max(hi, 0) }
        if hi - lo <= 0 { hi = lo == 0 ? 1 : lo + abs(lo) * 0.5; if !fromZero { lo -= (hi - lo) } }
        let raw = (hi - lo) / Double(max(1, count))
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        self.lo = floor(lo / step) * step
        self.hi = ceil(hi / step) * step
        var ticks: [Double] = []
        var t = self.lo
        while t <= self.hi + step / 2 { ticks.append(abs(t) < step / 1e6 ? 0 : t); t += step }
        self.ticks = ticks
    }

    /// Maps a value to a coordinate between `from` (at lo) and `to` (at hi).
    func map(_ v: Double, from a: Double, to b: Double) -> Double {
        a + (v - lo) / (hi - lo) * (b - a)
    }
}

/// How a chart writes its values: with the unit a reader expects, shortened (2.5 M/s, 14 µs).
public enum ChartUnit: Sendable {
    case none, perSecond, nanoseconds, fraction, bytes

    func format(_ v: Double) -> String {
        if v == 0 { return self == .fraction ? "0%" : "0" }
        func short(_ x: Double) -> String {
            let a = abs(x)
            let s = a >= 100 ? String(format: "%.0f", x) : a >= 10 ? String(format: "%.1f", x) : String(format: "%.2f", x)
            // 2.50 → 2.5, 3.00 → 3
            guard s.contains(".") else { return s }
            var t = s
            while t.hasSuffix("0") { t.removeLast() }
            if t.hasSuffix(".") { t.removeLast() }
            return t
        }
        func si(_ x: Double, _ unit: String) -> String {
            let a = abs(x)
            if a >= 1e9 { return short(x / 1e9) + " G" + unit }
            if a >= 1e6 { return short(x / 1e6) + " M" + unit }
            if a >= 1e3 { return short(x / 1e3) + " k" + unit }
            return short(x) + (unit.isEmpty ? "" : " " + unit)
        }
        switch self {
        case .none: return si(v, "")
        case .perSecond: return si(v, "/s")
        case .bytes: return si(v, "B")
        case .fraction: return short(v * 100) + "%"
        case .nanoseconds:
            let a = abs(v)
            if a >= 1e9 { return short(v / 1e9) + " s" }
            if a >= 1e6 { return short(v / 1e6) + " ms" }
            if a >= 1e3 { return short(v / 1e3) + " µs" }
            return short(v) + " ns"
        }
    }
}

/// Text for SVG and HTML: &, <, > and quotes escaped.
func escapeXML(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for c in s {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        default: out.append(c)
        }
    }
    return out
}

/// Colors that stay apart for color-blind readers (Okabe and Ito), then darker repeats.
enum ChartPalette {
    static let colors = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000", "#f0e442"]
    static func color(_ i: Int) -> String { colors[i % colors.count] }
}

/// Coordinates as SVG wants them: at most one decimal.
func svgNumber(_ x: Double) -> String { JSONValue.format(x, decimals: 1) }
