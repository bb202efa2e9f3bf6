import Foundation
import SimReport
import Testing

/// `mksim report`: the page is rendered by headless Chromium and read back as a person sees
/// it (Tests/tools/check_report.py: the rendered DOM's charts, and the screenshot's pixels).
@Suite struct ReportTests {
    static let python = Repo.path(".build-py/bin/python3")
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }

    struct Rendered: Decodable {
        struct Chart: Decodable {
            struct Series: Decodable { var name: String; var points: Int }
            struct Bar: Decodable { var name: String; var value: Double }
            var section: String?
            var kind: String
            var title: String
            var series: [Series]
            var bars: [Bar]
            var axis_titles: [String]
            var legend: [String]
            var ticks: Int
        }
        var sections: [String]
        var charts: [Chart]
        var external: [String]
        var color_pixels: [String: Int]
    }

    static func folder() throws -> URL {  // a fresh temporary folder
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mksim-report-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test(.enabled(if: chromium != nil, "chromium is not installed (make deps installs it)"))
    func aSweepReportShowsItsPlotsRendered() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let sweep = try Repo.mksim(["sweep", "scenarios/unlink-two-sockets.yaml", "--out", dir.path])
        #expect(sweep.status == 0, "\(sweep.stderr)")
        let report = try Repo.mksim(["report", dir.path])
        #expect(report.status == 0, "\(report.stderr)")
        let html = dir.appendingPathComponent("report.html").path
        let check = try Repo.run(URL(fileURLWithPath: Self.python), [Repo.path("Tests/tools/check_report.py"), html, dir.appendingPathComponent("shot.png").path])
        try #require(check.status == 0, "\(check.stderr)")
        let r = try JSONDecoder().decode(Rendered.self, from: Data(check.stdout.utf8))

        #expect(r.sections == ["sweep", "summary", "latency", "kernels", "hot-lines", "links", "scenario", "provenance"])
        #expect(r.external.isEmpty, "the page fetches nothing: \(r.external)")
        // Throughput and p99 against the sweep's one axis: a line per variant, a point per value.
        let sweepCharts = r.charts.filter { $0.section == "sweep" }
        #expect(sweepCharts.map(\.title) == ["unlink: throughput", "unlink: p99 latency"])
        for c in sweepCharts {
            #expect(c.kind == "line" && c.legend == ["smp", "split"] && c.series.map(\.points) == [7, 7], "\(c)")
            #expect(c.axis_titles.first == "total_threads" && c.ticks >= 6, "\(c)")
        }
        // A CDF per variant, a curve per point.
        let cdfs = r.charts.filter { $0.section == "latency" }
        #expect(cdfs.count == 2 && cdfs.allSatisfy { $0.series.count == 7 && $0.series.allSatisfy { $0.points == 16 } }, "\(cdfs)")
        // The hottest lines of split's last point are those of its result file, in order.
        let point = try JSONText.parse(String(contentsOf: dir.appendingPathComponent("point-0014.json"), encoding: .utf8), file: "point-0014.json")
        let hot = point.at("coherence.hot_lines")!.arrayItems.prefix(10)
        let bars = try #require(r.charts.first { $0.section == "hot-lines" && $0.title.contains("split") })
        #expect(bars.bars.map(\.name) == hot.map { $0["line"]!.text })
        #expect(bars.bars.map(\.value) == hot.map { $0["misses"]!.doubleValue! })
        #expect(r.charts.contains { $0.section == "links" && $0.bars.contains { $0.name == "socket0->1" } })
        // What a reader sees: both variants' lines are drawn in their colors.
        #expect(r.color_pixels["#0072b2", default: 0] > 500 && r.color_pixels["#d55e00", default: 0] > 500, "\(r.color_pixels)")
    }

    @Test func aRunReportAndAMatrixReport() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try Repo.mksim(["run", "scenarios/quickstart.yaml", "--variant", "split", "--out", dir.path])
        #expect(run.status == 0, "\(run.stderr)")
        // The scenario is kept beside its result: the report shows what was run.
        let copied = try String(contentsOf: dir.appendingPathComponent("scenario.yaml"), encoding: .utf8)
        #expect(copied == (try String(contentsOfFile: Repo.path("scenarios/quickstart.yaml"), encoding: .utf8)))
        #expect(try Repo.mksim(["report", dir.path, "--out", dir.appendingPathComponent("r.html").path]).status == 0)
        let html = try String(contentsOf: dir.appendingPathComponent("r.html"), encoding: .utf8)
        #expect(!html.contains("id=\"sweep\""), "one result has no sweep plots")
        #expect(html.contains("data-kind=\"bar\" data-bars=\"2\""), "utilization of the two kernels")
        #expect(html.contains("<pre class=\"scenario\">") && html.contains(ReportTests.escaped(copied.split(separator: "\n")[0])))

        // A c2c folder: the heatmap with CPU numbers on both axes.
        let c2c = dir.appendingPathComponent("c2c")
        try FileManager.default.createDirectory(at: c2c, withIntermediateDirectories: true)
        try ",,,\n10,,,\n20,30,,\n40,50,60,\n".write(to: c2c.appendingPathComponent("matrix.csv"), atomically: true, encoding: .utf8)
        #expect(try Repo.mksim(["report", c2c.path]).status == 0)
        let page = try String(contentsOf: c2c.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(page.contains("data-kind=\"heatmap\" data-size=\"4\""))
        #expect(page.components(separatedBy: "class=\"tick x\"").count - 1 == 4 && page.components(separatedBy: "class=\"tick y\"").count - 1 == 4)
        #expect(page.components(separatedBy: "<rect x=").count - 1 == 12 + 10, "12 off-diagonal cells and a 10-step legend")
    }

    @Test func badFoldersAreRefused() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let empty = try Repo.mksim(["report", dir.path])
        #expect(empty.status == 2 && empty.stderr.contains("holds no result.json"), "\(empty.stderr)")
        let missing = try Repo.mksim(["report", dir.appendingPathComponent("nope").path])
        #expect(missing.status == 2 && missing.stderr.contains("no such folder"), "\(missing.stderr)")
        try "{\"mksim\": 1, \"kernels\": {".write(to: dir.appendingPathComponent("result.json"), atomically: true, encoding: .utf8)
        let broken = try Repo.mksim(["report", dir.path])
        #expect(broken.status == 2 && broken.stderr.contains("result.json:"), "\(broken.stderr)")
        let file = try Repo.mksim(["report", dir.appendingPathComponent("result.json").path])
        #expect(file.status == 2 && file.stderr.contains("not a results folder"), "\(file.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["result.json"], "nothing half-written is left")
    }

    static func escaped(_ s: Substring) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
