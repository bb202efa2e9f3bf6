/// Horizontal bars, one per named item, with the value written at the end of each: kernel
/// utilization, the hottest lines, link utilization.
public struct BarChart {
    public var title: String
    public var valueTitle: String
    public var unit: ChartUnit = .none
    public var bars: [(name: String, value: Double)] = []
    /// The axis's end; nil to fit the largest bar (1 for fractions).
    public var maximum: Double? = nil

    public init(title: String, valueTitle: String) { self.title = title; self.valueTitle = valueTitle }

    public func svg() -> String {
        let labelWidth = 190.0, barArea = 360.0, row = 20.0, top = 30.0
        let w = labelWidth + barArea + 90, h = top + Double(max(1, bars.count)) * row + 40
        let end = maximum ?? (unit == .fraction ? 1 : ChartScale(covering: bars.map(\.value), fromZero: true, count: 4).hi)
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" data-kind=\"bar\" data-bars=\"\(bars.count)\""
        out += " width=\"\(svgNumber(w))\" height=\"\(svgNumber(h))\" viewBox=\"0 0 \(svgNumber(w)) \(svgNumber(h))\" role=\"img\" font-family=\"sans-serif\" font-size=\"11\">\n"
        out += "<title>\(escapeXML(title))</title>\n"
        out += "<text class=\"chart-title\" x=\"4\" y=\"18\" font-size=\"13\" font-weight=\"bold\">\(escapeXML(title))</text>\n"
        for (i, b) in bars.enumerated() {
            let y = top + Double(i) * row
            let len = end > 0 ? max(0, min(1, b.value / end)) * barArea : 0
            out += "<g class=\"bar\" data-name=\"\(escapeXML(b.name))\" data-value=\"\(JSONValue.format(b.value, decimals: 6))\">"
            out += "<text x=\"\(svgNumber(labelWidth - 6))\" y=\"\(svgNumber(y + 13))\" text-anchor=\"end\">\(escapeXML(LineChart.clip(b.name, 30)))</text>"
            out += "<rect x=\"\(svgNumber(labelWidth))\" y=\"\(svgNumber(y + 3))\" width=\"\(svgNumber(barArea))\" height=\"14\" fill=\"#f0f0f0\"/>"
            out += "<rect x=\"\(svgNumber(labelWidth))\" y=\"\(svgNumber(y + 3))\" width=\"\(svgNumber(len))\" height=\"14\" fill=\"\(ChartPalette.color(0))\"/>"
            out += "<text x=\"\(svgNumber(labelWidth + barArea + 6))\" y=\"\(svgNumber(y + 14))\">\(escapeXML(unit.format(b.value)))</text></g>\n"
        }
        out += "<text class=\"axis-title x\" x=\"\(svgNumber(labelWidth))\" y=\"\(svgNumber(h - 12))\">\(escapeXML(valueTitle)) (bar end: \(escapeXML(unit.format(end))))</text>\n"
        return out + "</svg>\n"
    }
}
