/// One self-contained HTML page about a results folder: summary tables, plots as inline SVG,
/// the scenario's text and provenance. It loads nothing from anywhere (no scripts, no fonts,
/// no network), so it can be mailed, archived with a paper, or opened offline.
public struct HTMLReport {
    let folder: ResultsFolder
    let points: [ReportPoint]
    /// Sweep keys in the sweep's order (those of the first point that has them all).
    let axes: [String]
    let variants: [String?]

    public init(_ folder: ResultsFolder) {
        self.folder = folder
        points = folder.results.map { ReportPoint(file: $0.file, json: $0.json) }
        var axes: [String] = []
        for p in points { for (k, _) in p.sweep where !axes.contains(k) { axes.append(k) } }
        self.axes = axes
        var variants: [String?] = []
        for p in points where !variants.contains(p.variant) { variants.append(p.variant) }
        self.variants = variants
    }

    var title: String {
        if let name = points.first?.json["scenario"]?.stringValue { return name }
        return folder.matrix != nil ? "core-to-core latency" : "results"
    }

    public func html() -> String {
        var sections: [(id: String, heading: String, body: String)] = []
        if points.count > 1 && !axes.isEmpty { sections.append(("sweep", "Sweep", sweepSection())) }
        if !points.isEmpty { sections.append(("summary", "Summary", summarySection())) }
        let cdf = latencySection()
        if !cdf.isEmpty { sections.append(("latency", "Latency distributions", cdf)) }
        if !points.isEmpty { sections.append(("kernels", "Kernels", kernelSection())) }
        let hot = hotLineSection()
        if !hot.isEmpty { sections.append(("hot-lines", "Hottest lines", hot)) }
        let links = linkSection()
        if !links.isEmpty { sections.append(("links", "Links and memory controllers", links)) }
        if folder.matrix != nil { sections.append(("c2c", "Core-to-core latency", matrixSection())) }
        if let text = folder.scenarioText { sections.append(("scenario", "Scenario", "<pre class=\"scenario\">\(escapeXML(text))</pre>\n")) }
        if !points.isEmpty { sections.append(("provenance", "Provenance", provenanceSection())) }

        var out = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escapeXML(title)): mksim report</title>
        <style>\(Self.style)</style>
        </head>
        <body>
        <h1>\(escapeXML(title))</h1>
        <p class="lede">\(escapeXML(lede))</p>

        """
        out += stallWarning()
        out += "<nav>" + sections.map { "<a href=\"#\($0.id)\">\(escapeXML($0.heading))</a>" }.joined(separator: " · ") + "</nav>\n"
        for s in sections {
            out += "<section id=\"\(s.id)\">\n<h2>\(escapeXML(s.heading))</h2>\n\(s.body)</section>\n"
        }
        return out + "</body>\n</html>\n"
    }

    var lede: String {
        guard let first = points.first else { return "A core-to-core latency matrix of \(folder.matrix?.cpus ?? 0) CPUs (from \(folder.path))." }
        var parts = ["\(points.count) result\(points.count == 1 ? "" : "s")"]
        let named = variants.compactMap { $0 }
        if !named.isEmpty { parts.append("variants \(named.joined(separator: ", "))") }
        for a in axes {
            var values: [String] = []
            for p in points { if let v = p.sweepValue(a), !values.contains(v) { values.append(v) } }
            parts.append("\(ReportPoint.short(a)) over \(values.joined(separator: ", "))")
        }
        if let m = first.json.at("machine.name")?.stringValue { parts.append("machine \(m)") }
        let version = first.json.at("provenance.mksim_version")?.stringValue.map { "mksim \($0)" } ?? "mksim"
        return parts.joined(separator: "; ") + ". From \(folder.path), written by \(version)."
    }

    func stallWarning() -> String {
        let stalled = points.filter { p in p.json["stalled_ns"].map { if case .null = $0 { false } else { true } } ?? false }
        guard !stalled.isEmpty else { return "" }
        return "<p class=\"warning\">\(stalled.count) result\(stalled.count == 1 ? "" : "s") stalled (tasks waiting on what could not come): "
            + escapeXML(stalled.map(\.label).joined(separator: "; ")) + ". Their figures stop at the stall.</p>\n"
    }

    // MARK: Tables

    func summarySection() -> String {
        let workloads = unique(points.flatMap(\.workloads)), kernels = unique(points.flatMap(\.kernels))
        var head = ["#"]
        if variants.contains(where: { $0 != nil }) { head.append("variant") }
        head += axes.map(ReportPoint.short)
        let anyOverrides = points.contains { !$0.overrides.isEmpty }
        if anyOverrides { head.append("--set") }
        head.append("simulated")
        for w in workloads { head += ["\(w) throughput", "\(w) p99"] }
        for k in kernels { head.append("\(k) util.") }
        var rows: [[String]] = []
        for (i, p) in points.enumerated() {
            var row = ["\(i + 1)"]
            if variants.contains(where: { $0 != nil }) { row.append(p.variant ?? "-") }
            row += axes.map { p.sweepValue($0) ?? "-" }
            if anyOverrides { row.append(p.overrides.map { "\($0.key)=\($0.value)" }.joined(separator: " ")) }
            row.append(p.number("sim_time_ns").map(ChartUnit.nanoseconds.format) ?? "-")
            for w in workloads {
                row.append(p.number("workloads.\(w).throughput_per_s").map(ChartUnit.perSecond.format) ?? "-")
                row.append(p.number("workloads.\(w).latency_ns.p99").map(ChartUnit.nanoseconds.format) ?? "-")
            }
            for k in kernels { row.append(p.number("kernels.\(k).utilization").map(ChartUnit.fraction.format) ?? "-") }
            rows.append(row)
        }
        return table(head: head, rows: rows, numericFrom: 1)
    }

    func provenanceSection() -> String {
        guard let first = points.first else { return "" }
        let keys = ["mksim_version", "commit", "scenario_file", "scenario_sha256", "seed", "command"]
        var rows: [[String]] = []
        for k in keys {
            let values = unique(points.map { $0.json.at("provenance.\(k)")?.text ?? "-" })
            rows.append([k, values.count == 1 ? values[0] : "differs between results: " + values.joined(separator: ", ")])
        }
        if first.json["host"] != nil {
            let wall = points.compactMap { $0.number("host.wall_s") }.reduce(0, +)
            rows.append(["host wall time", JSONValue.format(wall, decimals: 3) + " s, summed over results (varies run to run; not a result)"])
        }
        rows.append(["result files", points.map(\.file).joined(separator: ", ")])
        return table(head: ["", ""], rows: rows, numericFrom: 99, headless: true)
    }

    func table(head: [String], rows: [[String]], numericFrom: Int, headless: Bool = false) -> String {
        var out = "<table>\n"
        if !headless { out += "<thead><tr>" + head.map { "<th>\(escapeXML($0))</th>" }.joined() + "</tr></thead>\n" }
        out += "<tbody>\n"
        for r in rows {
            out += "<tr>" + r.enumerated().map { i, c in i >= numericFrom ? "<td class=\"num\">\(escapeXML(c))</td>" : "<td>\(escapeXML(c))</td>" }.joined() + "</tr>\n"
        }
        return out + "</tbody></table>\n"
    }

    func unique(_ xs: [String]) -> [String] {
        var seen = Set<String>(), out: [String] = []
        for x in xs where seen.insert(x).inserted { out.append(x) }
        return out
    }

    static let style = """
    body{font-family:system-ui,sans-serif;margin:24px auto;max-width:1180px;padding:0 16px;color:#222}
    h1{margin-bottom:4px}h2{border-bottom:1px solid #ccc;padding-bottom:4px;margin-top:32px}
    .lede{color:#444}nav{margin:12px 0 8px}nav a{color:#0b5cab}
    .warning{background:#fff3cd;border:1px solid #e0c36c;padding:8px 12px}
    .charts{display:flex;flex-wrap:wrap;gap:16px}.charts svg{border:1px solid #eee;background:#fff}
    table{border-collapse:collapse;font-size:13px;margin:8px 0}th,td{border:1px solid #ddd;padding:3px 8px;text-align:left}
    td.num{text-align:right;font-variant-numeric:tabular-nums}th{background:#f5f5f5}
    pre.scenario{background:#f7f7f7;border:1px solid #ddd;padding:10px;overflow-x:auto;font-size:12px}
    .caption{color:#555;font-size:13px}
    """
}
