/// The report's plots: a sweep's metrics against its axes, latency CDFs, kernel
/// utilization, hottest lines, links and the core-to-core heatmap.
extension HTMLReport {
    func charts(_ svgs: [String], caption: String = "") -> String {
        (caption.isEmpty ? "" : "<p class=\"caption\">\(escapeXML(caption))</p>\n") + "<div class=\"charts\">\n" + svgs.joined() + "</div>\n"
    }

    /// Points of a sweep grouped into lines along `axis`: one line per variant and per value
    /// of the other axes, x the axis's value (numeric when every value is a number).
    func lines(along axis: String, name: (ReportPoint) -> String = { _ in "" }, y: (ReportPoint) -> Double?)
        -> (series: [LineChart.Series], categories: [String]?) {
        let values = unique(points.compactMap { $0.sweepValue(axis) })
        let numeric = values.allSatisfy { Double($0) != nil }
        var order: [String] = [], byGroup: [String: [(x: Double, y: Double)]] = [:]
        for p in points {
            guard let v = p.sweepValue(axis), let yv = y(p), yv.isFinite else { continue }
            let others = p.sweep.filter { $0.key != axis }.map { "\(ReportPoint.short($0.key))=\($0.value)" }
            let group = ([p.variant].compactMap { $0 } + others + [name(p)].filter { !$0.isEmpty }).joined(separator: ", ")
            if byGroup[group] == nil { order.append(group) }
            byGroup[group, default: []].append((numeric ? Double(v)! : Double(values.firstIndex(of: v)!), yv))
        }
        let series = order.map { LineChart.Series(name: $0.isEmpty ? "all" : $0, points: byGroup[$0]!.sorted { $0.x < $1.x }) }
        return (series, numeric ? nil : values)
    }

    func sweepChart(title: String, axis: String, yTitle: String, unit: ChartUnit, lines l: (series: [LineChart.Series], categories: [String]?)) -> String {
        var c = LineChart(title: title, xTitle: ReportPoint.short(axis), yTitle: yTitle)
        c.series = l.series
        c.xCategories = l.categories
        c.yUnit = unit
        return c.svg()
    }

    func sweepSection() -> String {
        var svgs: [String] = []
        let workloads = unique(points.flatMap(\.workloads))
        for axis in axes {
            for w in workloads {
                svgs.append(sweepChart(title: "\(w): throughput", axis: axis, yTitle: "operations per second", unit: .perSecond,
                                       lines: lines(along: axis) { $0.number("workloads.\(w).throughput_per_s") }))
                svgs.append(sweepChart(title: "\(w): p99 latency", axis: axis, yTitle: "p99 latency", unit: .nanoseconds,
                                       lines: lines(along: axis) { $0.number("workloads.\(w).latency_ns.p99") }))
            }
        }
        return charts(svgs, caption: "Each line is a variant (and a value of the other sweep axes); hover a point for its value.")
    }

    func latencySection() -> String {
        var svgs: [String] = []
        for w in unique(points.flatMap(\.workloads)) {
            // One chart per variant when a chart would hold too many curves to tell apart.
            let groups: [(String?, [ReportPoint])] = points.count > 8 && variants.count > 1
                ? variants.map { v in (v, points.filter { $0.variant == v }) } : [(nil, points)]
            for (variant, members) in groups {
                var c = LineChart(title: "\(w): latency CDF" + (variant.map { " (\($0))" } ?? ""), xTitle: "latency of one operation", yTitle: "fraction of operations at or below")
                c.xUnit = .nanoseconds
                c.yUnit = .fraction
                c.markers = false
                for p in members {
                    let cdf = (p.json.at("workloads.\(w).latency_cdf_ns")?.arrayItems ?? []).compactMap { pair -> (x: Double, y: Double)? in
                        let v = pair.arrayItems.compactMap(\.doubleValue)
                        return v.count == 2 ? (v[1], v[0] / 100) : nil
                    }
                    if cdf.count >= 2 && cdf.last!.x > 0 {
                        c.series.append(.init(name: variant == nil ? p.label : p.sweep.map { "\(ReportPoint.short($0.key))=\($0.value)" }.joined(separator: ", "), points: cdf))
                    }
                }
                if !c.series.isEmpty { svgs.append(c.svg()) }
            }
        }
        return svgs.isEmpty ? "" : charts(svgs, caption: "Operation latency sampled at the 0th, 1st, 5th, 10th … 90th, 95th, 99th, 99.9th percentiles and the maximum.")
    }

    func kernelSection() -> String {
        if points.count > 1 && !axes.isEmpty {
            var svgs: [String] = []
            for axis in axes {
                var all: [LineChart.Series] = [], categories: [String]?
                for k in unique(points.flatMap(\.kernels)) {
                    let l = lines(along: axis, name: { _ in k }) { $0.number("kernels.\(k).utilization") }
                    all += l.series
                    categories = l.categories
                }
                svgs.append(sweepChart(title: "Utilization per kernel", axis: axis, yTitle: "busy fraction of its CPUs", unit: .fraction, lines: (all, categories)))
            }
            return charts(svgs, caption: "Utilization: the fraction of a kernel's CPU time spent busy (tasks, kernel paths, handlers); a line per variant and kernel.")
        }
        let p = points[0]
        var c = BarChart(title: "Utilization per kernel", valueTitle: "busy fraction of its CPUs")
        c.unit = .fraction
        c.bars = p.kernels.map { ($0, p.number("kernels.\($0).utilization") ?? 0) }
        return charts([c.svg()])
    }

    /// The points whose details are shown: the only one, or each variant's last (where the
    /// sweep's axis is largest, usually the most contended).
    var detailPoints: [ReportPoint] {
        if points.count <= 1 { return points }
        return variants.compactMap { v in points.last { $0.variant == v } }
    }

    var detailCaption: String {
        points.count <= 1 ? "" : "Shown for each variant's last point: " + detailPoints.map(\.label).joined(separator: "; ") + "."
    }

    func hotLineSection() -> String {
        var svgs: [String] = [], tables = ""
        for p in detailPoints {
            let lines = (p.json.at("coherence.hot_lines")?.arrayItems ?? []).prefix(10)
            guard !lines.isEmpty else { continue }
            var c = BarChart(title: "Misses per line" + (points.count > 1 ? " (\(p.label))" : ""), valueTitle: "coherence misses")
            c.bars = lines.map { ($0["line"]?.text ?? "?", $0["misses"]?.doubleValue ?? 0) }
            svgs.append(c.svg())
            tables += "<p class=\"caption\">\(escapeXML(p.label))</p>\n" + table(
                head: ["line", "misses", "accesses", "remote transfers", "queue wait", "touched by CPUs"],
                rows: lines.map { l in
                    [l["line"]?.text ?? "?", l["misses"]?.text ?? "-", l["accesses"]?.text ?? "-", l["remote_transfers"]?.text ?? "-",
                     l["queue_wait_ns"]?.doubleValue.map(ChartUnit.nanoseconds.format) ?? "-", l["touched_by_cpus"]?.text ?? "-"]
                }, numericFrom: 1)
        }
        return svgs.isEmpty ? "" : charts(svgs, caption: detailCaption) + tables
    }

    func linkSection() -> String {
        var svgs: [String] = []
        for p in detailPoints {
            let links = p.json["interconnect"]?.objectPairs ?? []
            guard !links.isEmpty else { continue }
            var c = BarChart(title: "Utilization" + (points.count > 1 ? " (\(p.label))" : ""), valueTitle: "busy fraction of the run")
            c.unit = .fraction
            c.maximum = max(0.01, links.compactMap { $0.1["utilization"]?.doubleValue }.max() ?? 0)
            c.bars = links.map { ($0.0, $0.1["utilization"]?.doubleValue ?? 0) }
            svgs.append(c.svg())
        }
        return svgs.isEmpty ? "" : charts(svgs, caption: "nodeN: NUMA node N's memory controllers; socketA->B: the link carrying lines from A to B. " + detailCaption)
    }

    func matrixSection() -> String {
        guard let m = folder.matrix else { return "" }
        return charts([m.svg(title: "One-way latency between CPUs (\(m.cpus) CPUs)")])
    }
}
