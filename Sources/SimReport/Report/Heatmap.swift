import Foundation

/// A square matrix as colored cells with labeled axes and a color legend: the core-to-core
/// latency matrix.
public struct Heatmap {
    public var title: String
    public var size: Int
    /// The value of cell (row, column); NaN where there is none.
    public var value: (Int, Int) -> Double
    public var axisTitle: String
    public var unit: ChartUnit = .nanoseconds

    public init(title: String, size: Int, axisTitle: String, value: @escaping (Int, Int) -> Double) {
        self.title = title; self.size = size; self.axisTitle = axisTitle; self.value = value
    }

    public func svg() -> String {
        var lo = Double.infinity, hi = -Double.infinity
        for i in 0..<size { for j in 0..<size { let v = value(i, j); if !v.isNaN { lo = min(lo, v); hi = max(hi, v) } } }
        if lo > hi { lo = 0; hi = 1 }
        let cell = size <= 32 ? 12 : size <= 64 ? 8 : size <= 128 ? 5 : 3
        let left = 44, top = 44, grid = size * cell
        // A label every k CPUs (a power of two), as close as labels can be without touching.
        let labelWidth = 7 * String(max(0, size - 1)).count + 4
        let every = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024].first { $0 * cell >= labelWidth } ?? 2048
        let w = left + grid + 130, h = top + grid + 46
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" data-kind=\"heatmap\" data-size=\"\(size)\" width=\"\(w)\" height=\"\(h)\" viewBox=\"0 0 \(w) \(h)\" role=\"img\" font-family=\"sans-serif\" font-size=\"10\">\n"
        out += "<title>\(escapeXML(title))</title>\n"
        out += "<text class=\"chart-title\" x=\"\(left)\" y=\"16\" font-size=\"13\" font-weight=\"bold\">\(escapeXML(title))</text>\n"
        for i in 0..<size {
            for j in 0..<size {
                let v = value(i, j)
                if v.isNaN { continue }
                out += "<rect x=\"\(left + j * cell)\" y=\"\(top + i * cell)\" width=\"\(cell)\" height=\"\(cell)\" fill=\"\(Self.color((v - lo) / max(1e-9, hi - lo)))\"/>"
            }
            out += "\n"
        }
        for k in stride(from: 0, to: size, by: every) {
            let c = k * cell + cell / 2
            out += "<text class=\"tick x\" x=\"\(left + c)\" y=\"\(top - 4)\" text-anchor=\"middle\">\(k)</text>"
            out += "<text class=\"tick y\" x=\"\(left - 4)\" y=\"\(top + c + 3)\" text-anchor=\"end\">\(k)</text>\n"
        }
        out += "<text class=\"axis-title x\" x=\"\(left + grid / 2)\" y=\"\(top + grid + 18)\" text-anchor=\"middle\">\(escapeXML(axisTitle))</text>\n"
        let lx = left + grid + 16
        for k in 0..<10 {
            let f = Double(9 - k) / 9
            out += "<rect x=\"\(lx)\" y=\"\(top + k * 16)\" width=\"14\" height=\"16\" fill=\"\(Self.color(f))\"/>"
            out += "<text x=\"\(lx + 18)\" y=\"\(top + k * 16 + 12)\">\(escapeXML(unit.format(lo + f * (hi - lo))))</text>\n"
        }
        return out + "</svg>\n"
    }

    /// Dark blue (low) to yellow (high): viridis, readable in grey and by color-blind readers.
    static func color(_ f: Double) -> String {
        let stops: [(Double, Double, Double)] = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)]
        let x = min(1, max(0, f)) * Double(stops.count - 1)
        let k = min(stops.count - 2, Int(x))
        let t = x - Double(k)
        let (a, b) = (stops[k], stops[k + 1])
        func mix(_ p: Double, _ q: Double) -> Int { Int((p + (q - p) * t).rounded()) }
        return String(format: "#%02x%02x%02x", mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    }
}
