import Foundation
import Testing

/// `mksim show`: its pictures checked as a person would look at them (Tests/tools/
/// check_frame.py reads the PNG's pixels): every CPU framed in its kernel's colour and
/// filled by what it does, the same thing step mode says in words at that time.
@Suite struct DisplayTests {
    static let python = Repo.path(".build-py/bin/python3")
    /// The build with the Display trait (`make show`; `make test` builds it when SDL2 is there).
    static let sdlBuild = Repo.path(".build-sdl/release/mksim")
    static var hasPillow: Bool { FileManager.default.fileExists(atPath: python) }
    static var hasSDLBuild: Bool { FileManager.default.isExecutableFile(atPath: sdlBuild) }
    static var xvfbRun: String? { ["/usr/bin/xvfb-run"].first { FileManager.default.isExecutableFile(atPath: $0) } }

    /// The fills of docs/tutorial/README.md's legend, by what step mode says a CPU does.
    static let fills = ["idle": "#343740", "user": "#3ca05a", "kernel": "#dc8c28", "spinning": "#c8be32", "halted": "#080808"]

    struct Frame { var png: URL; var legend: URL }

    private func frames(_ args: [String], at times: String, executable: URL = Repo.executable) throws -> (dir: URL, frames: [Frame]) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mksim-frames-\(UUID().uuidString)")
        let r = try Repo.run(executable, ["show"] + args + ["--frames", dir.path, "--at", times])
        #expect(r.status == 0, "\(r.stderr)")
        let n = times.split(separator: ",").count
        let list = (1...n).map { i in
            let base = dir.appendingPathComponent(String(format: "frame-%04d", i))
            return Frame(png: base.appendingPathExtension("png"), legend: base.appendingPathExtension("json"))
        }
        // Only the final names: no temporary file left beside them.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == list.flatMap { [$0.legend.lastPathComponent, $0.png.lastPathComponent] }.sorted())
        return (dir, list)
    }

    private func look(_ png: URL, _ legend: URL) throws -> [String: Any] {
        let r = try Repo.run(URL(fileURLWithPath: Self.python), [Repo.path("Tests/tools/check_frame.py"), png.path, legend.path])
        #expect(r.status == 0, "\(r.stderr)")
        return try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
    }

    /// What step mode says each CPU does at `time`, as a fill's name.
    private func activities(_ args: [String], at time: String) throws -> [Int: String] {
        let r = try Repo.mksim(["step"] + args, input: "until \(time)\ncpus\n")
        #expect(r.status == 0, "\(r.stderr)")
        var out: [Int: String] = [:]
        for line in r.stdout.split(separator: "\n") where line.hasPrefix("CPU ") {
            let cpu = Int(line.dropFirst(4).prefix { $0.isNumber })!
            let doing = line.split(separator: ":", maxSplits: 1)[1]
            out[cpu] = doing.contains("idle") ? "idle" : doing.contains("in user code") ? "user" : doing.contains("in system call") ? "kernel"
                : doing.contains("spins") ? "spinning" : doing.contains("halted") ? "halted" : String(doing)
        }
        return out
    }

    private func cpus(_ summary: [String: Any]) -> [[String: Any]] { summary["cpus"] as! [[String: Any]] }

    @Test(.enabled(if: DisplayTests.hasPillow, "needs the test venv's Pillow (make deps)"))
    func aFrameShowsEveryCPUInItsKernelsColourDoingWhatStepModeSays() throws {
        let args = ["scenarios/quickstart.yaml", "--variant", "split"]
        let (dir, list) = try frames(args, at: "20us,400us")
        defer { try? FileManager.default.removeItem(at: dir) }
        for (frame, time) in zip(list, ["20us", "400us"]) {
            let seen = cpus(try look(frame.png, frame.legend))
            #expect(seen.count == 8)
            // CPUs 0-3 (kernel left) share one frame colour, 4-7 (right) another.
            let borders = seen.map { $0["border"] as! String }
            #expect(Set(borders[0..<4]).count == 1 && Set(borders[4..<8]).count == 1 && borders[0] != borders[4], "\(borders)")
            let legend = try JSONSerialization.jsonObject(with: Data(contentsOf: frame.legend)) as! [String: Any]
            let kernels = legend["kernels"] as! [[String: Any]]
            #expect(kernels.map { $0["name"] as! String } == ["left", "right"])
            #expect(borders[0] == kernels[0]["colour"] as! String && borders[4] == kernels[1]["colour"] as! String)
            // Each CPU is filled with the colour of what step mode says it does then.
            let words = try activities(args, at: time)
            for cpu in seen {
                let n = cpu["cpu"] as! Int
                #expect((cpu["fill_share"] as! Double) > 0.9, "CPU \(n) at \(time): \(cpu)")
                #expect(cpu["fill"] as? String == Self.fills[words[n] ?? ""], "CPU \(n) at \(time): step says \(words[n] ?? "-"), the picture shows \(cpu)")
            }
        }
    }

    @Test(.enabled(if: DisplayTests.hasPillow, "needs the test venv's Pillow (make deps)"))
    func aPanickedKernelsCPUsAreHaltedItsPeersRun() throws {
        let (dir, list) = try frames(["scenarios/multikernel/panic.yaml", "--variant", "panic"], at: "12ms")
        defer { try? FileManager.default.removeItem(at: dir) }
        let seen = cpus(try look(list[0].png, list[0].legend))
        #expect(seen[4..<8].allSatisfy { $0["fill"] as? String == Self.fills["halted"] }, "\(seen)")
        #expect(seen[0..<4].allSatisfy { $0["fill"] as? String != Self.fills["halted"] }, "\(seen)")
    }

    @Test func badShowArgumentsAreBadInput() throws {
        let cases: [([String], String)] = [
            (["scenarios/quickstart.yaml", "--variant", "split", "--frames", "/tmp/x"], "need --at TIMES"),
            (["scenarios/quickstart.yaml", "--variant", "split", "--frames", "/tmp/x", "--at", "10 parsecs"], "--at: expected durations"),
            (["scenarios/quickstart.yaml", "--variant", "split", "--size", "10x10"], "--size: expected WIDTHxHEIGHT"),
        ]
        for (args, message) in cases {
            let r = try Repo.mksim(["show"] + args)
            #expect(r.status == 2, "\(args)")
            #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
        }
        if !Self.hasSDLBuild {
            // Without the Display trait there is no window, and it says how to get one.
            let r = try Repo.mksim(["show", "scenarios/quickstart.yaml", "--variant", "split"])
            #expect(r.status == 2 && r.stderr.contains("make show"), "\(r.stderr)")
        }
    }

    /// With the Display trait, frames go through SDL's offscreen driver: the same pixels.
    @Test(.enabled(if: DisplayTests.hasSDLBuild, "needs the Display build (.build-sdl, make show: libsdl2-dev)"))
    func sdlsOffscreenFramesAreThePicture() throws {
        let args = ["scenarios/quickstart.yaml", "--variant", "split"]
        let plain = try frames(args, at: "20us")
        let sdl = try frames(args, at: "20us", executable: URL(fileURLWithPath: Self.sdlBuild))
        defer { try? FileManager.default.removeItem(at: plain.dir); try? FileManager.default.removeItem(at: sdl.dir) }
        #expect(try Data(contentsOf: sdl.frames[0].png) == Data(contentsOf: plain.frames[0].png))
        #expect(try Data(contentsOf: sdl.frames[0].legend) == Data(contentsOf: plain.frames[0].legend))
    }

    /// The window itself, on a virtual X display: what it shows, read back from it.
    @Test(.enabled(if: DisplayTests.hasSDLBuild && DisplayTests.xvfbRun != nil && DisplayTests.hasPillow,
                   "needs the Display build and xvfb-run (make show)"))
    func theWindowShowsTheTwoKernelsCPUsInTheirColours() throws {
        let args = ["scenarios/quickstart.yaml", "--variant", "split"]
        let plain = try frames(args, at: "20us")
        defer { try? FileManager.default.removeItem(at: plain.dir) }
        let shot = plain.dir.appendingPathComponent("window.png")
        let r = try Repo.run(URL(fileURLWithPath: Self.xvfbRun!), ["-a", "-s", "-screen 0 1600x900x24", Self.sdlBuild, "show"] + args
                             + ["--screenshot", shot.path, "--at", "20us"])
        #expect(r.status == 0, "\(r.stderr)")
        let window = cpus(try look(shot, plain.frames[0].legend))
        let frame = cpus(try look(plain.frames[0].png, plain.frames[0].legend))
        for (w, f) in zip(window, frame) {
            #expect(w["border"] as? String == f["border"] as? String && w["fill"] as? String == f["fill"] as? String, "\(w) vs \(f)")
        }
    }
}
