/// Lines through points, one per series, with axes, ticks and a legend: a sweep's metric
/// against one of its axes, or a latency CDF. Points carry tooltips (`<title>`).
public struct LineChart {
    public struct Series {
        public var name: String
        public var points: [(x: Double, y: Double)]
        public init(name: String, points: [(x: Double, y: Double)]) { self.name = name; self.points = points }
    }

    public var title: String
    public var xTitle: String
    public var yTitle: String
    public var xUnit: ChartUnit = .none
    public var yUnit: ChartUnit = .none
    public var series: [Series] = []
    /// Names of the x positions 0, 1, 2 … when the axis is not numeric (variants, presets).
    public var xCategories: [String]? = nil
    public var yFromZero = true
    /// Markers at each point (a sweep); off for dense curves (a CDF).
    public var markers = true

    public init(title: String, xTitle: String, yTitle: String) {
        self.title = title; self.xTitle = xTitle; self.yTitle = yTitle
    }

    static let width = 560.0, height = 320.0
    static let left = 70.0, right = 150.0, top = 34.0, bottom = 52.0

    public func svg() -> String {
        let (w, h) = (Self.width, Self.height)
        let plotLeft = Self.left, plotRight = w - Self.right, plotTop = Self.top, plotBottom = h - Self.bottom
        let xs = series.flatMap { $0.points.map(\.x) }, ys = series.flatMap { $0.points.map(\.y) }
        let xScale: ChartScale
        if let cats = xCategories {
            xScale = ChartScale(lo: -0.5, hi: Double(cats.count) - 0.5, ticks: cats.indices.map(Double.init))
        } else {
            xScale = ChartScale(covering: xs, fromZero: false)
        }
        let yScale = ChartScale(covering: ys, fromZero: yFromZero)
        func px(_ x: Double) -> Double { xScale.map(x, from: plotLeft, to: plotRight) }
        func py(_ y: Double) -> Double { yScale.map(y, from: plotBottom, to: plotTop) }

        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" data-kind=\"line\" data-series=\"\(series.count)\""
        out += " width=\"\(svgNumber(w))\" height=\"\(svgNumber(h))\" viewBox=\"0 0 \(svgNumber(w)) \(svgNumber(h))\" role=\"img\" font-family=\"sans-serif\" font-size=\"11\">\n"
        out += "<title>\(escapeXML(title))</title>\n"
        out += "<text class=\"chart-title\" x=\"\(svgNumber(plotLeft))\" y=\"18\" font-size=\"13\" font-weight=\"bold\">\(escapeXML(title))</text>\n"
        // Grid and y ticks.
        for t in yScale.ticks {
            let y = svgNumber(py(t))
            out += "<line x1=\"\(svgNumber(plotLeft))\" y1=\"\(y)\" x2=\"\(svgNumber(plotRight))\" y2=\"\(y)\" stroke=\"#e3e3e3\"/>"
            out += "<text class=\"tick y\" x=\"\(svgNumber(plotLeft - 6))\" y=\"\(svgNumber(py(t) + 4))\" text-anchor=\"end\">\(escapeXML(yUnit.format(t)))</text>\n"
        }
        for (i, t) in xScale.ticks.enumerated() {
            let x = svgNumber(px(t))
            let label = xCategories?[i] ?? xUnit.format(t)
            out += "<line x1=\"\(x)\" y1=\"\(svgNumber(plotBottom))\" x2=\"\(x)\" y2=\"\(svgNumber(plotBottom + 4))\" stroke=\"#555\"/>"
            out += "<text class=\"tick x\" x=\"\(x)\" y=\"\(svgNumber(plotBottom + 17))\" text-anchor=\"middle\">\(escapeXML(label))</text>\n"
        }
        out += "<path d=\"M\(svgNumber(plotLeft)),\(svgNumber(plotTop))V\(svgNumber(plotBottom))H\(svgNumber(plotRight))\" fill=\"none\" stroke=\"#555\"/>\n"
        out += "<text class=\"axis-title x\" x=\"\(svgNumber((plotLeft + plotRight) / 2))\" y=\"\(svgNumber(h - 12))\" text-anchor=\"middle\">\(escapeXML(xTitle))</text>\n"
        out += "<text class=\"axis-title y\" transform=\"translate(16 \(svgNumber((plotTop + plotBottom) / 2))) rotate(-90)\" text-anchor=\"middle\">\(escapeXML(yTitle))</text>\n"
        // Series, then the legend.
        for (i, s) in series.enumerated() {
            let color = ChartPalette.color(i)
            let pts = s.points.map { "\(svgNumber(px($0.x))),\(svgNumber(py($0.y)))" }.joined(separator: " ")
            out += "<g class=\"series\" data-name=\"\(escapeXML(s.name))\" data-points=\"\(s.points.count)\">"
            out += "<polyline points=\"\(pts)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"/>"
            if markers {
                for p in s.points {
                    let xLabel = xCategories.flatMap { cats in Int(exactly: p.x).flatMap { cats.indices.contains($0) ? cats[$0] : nil } } ?? xUnit.format(p.x)
                    out += "<circle cx=\"\(svgNumber(px(p.x)))\" cy=\"\(svgNumber(py(p.y)))\" r=\"3.5\" fill=\"\(color)\">"
                    out += "<title>\(escapeXML(s.name)): \(escapeXML(xTitle)) \(escapeXML(xLabel)) → \(escapeXML(yUnit.format(p.y)))</title></circle>"
                }
            }
            out += "</g>\n"
            let ly = plotTop + Double(i) * 18
            out += "<g class=\"legend\"><rect x=\"\(svgNumber(plotRight + 14))\" y=\"\(svgNumber(ly))\" width=\"12\" height=\"12\" fill=\"\(color)\"/>"
            out += "<text x=\"\(svgNumber(plotRight + 31))\" y=\"\(svgNumber(ly + 10))\">\(escapeXML(Self.clip(s.name, 22)))</text></g>\n"
        }
        return out + "</svg>\n"
    }

    static func clip(_ s: String, _ n: Int) -> String { s.count <= n ? s : String(s.prefix(n - 1)) + "…" }
}

extension ChartScale {
    init(lo: Double, hi: Double, ticks: [Double]) { self.lo = lo; self.hi = hi; self.ticks = ticks }
}
