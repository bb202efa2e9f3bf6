import ArgumentParser
import Foundation
import SimDisplay
import SimKernelModel
import SimReport
import SimScenario
import SimMachine

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Draw the machine as it runs: a window (built with `make show`), or frames as PNG files.",
        discussion: """
        Sockets, cores and CPUs laid out from the topology; each CPU filled by what it does \
        (user task, kernel path, interrupt handler, spinning, idle, halted) and framed in its \
        kernel's colour; IPIs (red) and messages (blue) in flight as arrows; the kernels' \
        states, the hottest lines, locks with waiters, channels and the last things told.

        Window controls: space play/pause, + and - double or halve the speed (simulated time \
        per second), n or → the next event, i m k l g the next IPI, message, kernel state \
        change, lock taken after a wait, migration; j jump ahead ten seconds' worth; a click \
        selects a CPU, one on a hot line outlines its owner and sharers; t then a time and \
        Enter jumps there; q or Esc quits. --start TIME opens the run at that time.

        --frames DIR --at 10us,20us writes frame-0001.png … in time order (and a .json legend with each \
        CPU's place and colours) without any window; with the Display trait the frames go \
        through SDL's offscreen driver.
        """
    )

    @OptionGroup var scenario: ScenarioOptions

    @Option(help: ArgumentHelp("Write the picture at these simulated times to DIR as PNG files, without a window.", valueName: "dir"))
    var frames: String?

    @Option(help: ArgumentHelp("With --frames (or --screenshot): the times, comma-separated, like 10us,20us,1ms.", valueName: "times"))
    var at: String?

    @Option(help: ArgumentHelp("Open the window, play to --at, write what the window shows to this PNG file and quit.", valueName: "file"))
    var screenshot: String?

    @Option(help: ArgumentHelp("Picture size in pixels.", valueName: "WxH"))
    var size: String = "1280x720"

    @Option(help: ArgumentHelp("Simulated time per wall-clock second at the start (window).", valueName: "duration"))
    var speed: String = "10us"

    @Option(help: ArgumentHelp("Open the window at this simulated time (jump to it).", valueName: "duration"))
    var start: String?

    func validate() throws {
        if frames != nil && screenshot != nil { throw ValidationError("--frames and --screenshot: choose one") }
        if (frames != nil || screenshot != nil) && at == nil { throw ValidationError("--frames and --screenshot need --at TIMES, like --at 10us,20us") }
        if at != nil && frames == nil && screenshot == nil { throw ValidationError("--at needs --frames DIR or --screenshot FILE") }
        guard dimensions != nil else { throw ValidationError("--size: expected WIDTHxHEIGHT between 640x400 and 7680x4320, like 1280x720; got '\(size)'") }
        guard let s = parseDuration(speed), s.raw > 0 else { throw ValidationError("--speed: expected a duration like 10us; got '\(speed)'") }
        if let start, parseDuration(start) == nil { throw ValidationError("--start: expected a duration like 50us; got '\(start)'") }
        if let at {
            guard let times = parseTimes(at) else { throw ValidationError("--at: expected durations separated by commas, like 10us,20us,1ms; got '\(at)'") }
            if screenshot != nil && times.count != 1 { throw ValidationError("--screenshot takes one time in --at; got \(times.count)") }
            if times.count > 1000 { throw ValidationError("--at: at most 1000 frames; got \(times.count)") }
        }
    }

    private var dimensions: (Int, Int)? {
        let parts = size.lowercased().split(separator: "x")
        guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]), (640...7680).contains(w), (400...4320).contains(h) else { return nil }
        return (w, h)
    }

    private func parseTimes(_ text: String) -> [Picoseconds]? {
        let times = text.split(separator: ",").map { parseDuration($0.trimmingCharacters(in: .whitespaces)) }
        guard !times.isEmpty, times.allSatisfy({ $0 != nil }) else { return nil }
        return times.map { $0! }
    }

    func run() throws {
        let points = try scenario.onePoint(for: "show")
        let session: DisplaySession
        do throws(ConfigurationError) { session = try DisplaySession(point: points[0]) } catch {
            printError("\(points[0].diagnostic(for: error))")
            throw ExitCode(Exit.badInput)
        }
        let (w, h) = dimensions!
        var picture = MachinePicture(topology: points[0].scenario.config.machine.topology, width: w, height: h)
        if let frames {
            try writeFrames(session, &picture, to: frames, at: parseTimes(at!)!.sorted())
            return
        }
        if let start { session.advance(to: parseDuration(start)!) }
        #if Display
        do {
            let shot = try ShowWindow.run(session, picture: picture, speed: parseDuration(speed)!, screenshotAt: at.flatMap { parseTimes($0)?.first })
            if let screenshot, let shot { try AtomicFile.write(Data(PNGFile.encode(shot)), to: screenshot) }
        } catch let e as ShowWindow.Failure {
            printError("error: show: \(e.description)")
            throw ExitCode(Exit.badInput)
        }
        #else
        printError("error: show: this mksim was built without the display (SDL2). Build it with `make show` (installs libsdl2-dev, builds with --traits Display), or write frames without a window: --frames DIR --at 10us,20us")
        throw ExitCode(Exit.badInput)
        #endif
    }

    /// Each time's picture as DIR/frame-NNNN.png and its legend frame-NNNN.json.
    private func writeFrames(_ session: DisplaySession, _ picture: inout MachinePicture, to dir: String, at times: [Picoseconds]) throws {
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            for (i, t) in times.enumerated() {
                session.advance(to: t)
                var canvas = picture.draw(session, status: "frame \(i + 1) of \(times.count)")
                #if Display
                canvas = try ShowWindow.offscreenFrame(canvas)
                #endif
                let name = dir + "/frame-" + String(format: "%04d", i + 1)
                try AtomicFile.write(Data(PNGFile.encode(canvas)), to: name + ".png")
                try AtomicFile.write(picture.legendJSON(session), to: name + ".json")
            }
        } catch {
            printError("error: show --frames \(dir): \(error)")
            throw ExitCode(Exit.badInput)
        }
        printError("show: \(times.count) frame\(times.count == 1 ? "" : "s") in \(dir)")
    }
}
