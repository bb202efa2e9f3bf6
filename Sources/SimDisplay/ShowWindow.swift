#if Display
import CSDL2
import Foundation
import SimMachine
import SimReport
import SimScenario

/// The SDL2 side of `mksim show` (built with the Display trait): a window showing the
/// session's picture as one streaming texture, with the controls, and the same picture
/// read back from an offscreen renderer for frame files.
public enum ShowWindow {
    public struct Failure: Error, CustomStringConvertible { public var description: String }

    /// Opens the window and runs until it is closed (or, with `screenshot`, until the
    /// picture at `until` is shown, which is then read back from the window and returned).
    public static func run(_ session: DisplaySession, picture: MachinePicture, speed initial: Picoseconds,
                           screenshotAt until: Picoseconds? = nil) throws(Failure) -> Canvas? {
        guard SDL_Init(SDL_INIT_VIDEO) == 0 else { throw Failure(description: "SDL could not start its video: \(sdlError()); is there a display (DISPLAY, or xvfb-run)?") }
        defer { SDL_Quit() }
        let title = "mksim show: \(session.point.scenario.name)" + (session.point.variant.map { " (\($0))" } ?? "")
        let centered = Int32(0x2FFF_0000)  // SDL_WINDOWPOS_CENTERED
        guard let window = SDL_CreateWindow(title, centered, centered, Int32(picture.width), Int32(picture.height), SDL_WINDOW_SHOWN.rawValue) else {
            throw Failure(description: "SDL could not open a window: \(sdlError())")
        }
        defer { SDL_DestroyWindow(window) }
        let (renderer, texture) = try makeRenderer(window, picture)
        defer { SDL_DestroyTexture(texture); SDL_DestroyRenderer(renderer) }

        var picture = picture
        var playing = until != nil, speed = initial  // simulated time per wall second
        var entry: String?  // a time being typed after `t`
        var last = SDL_GetTicks64()
        var event = SDL_Event()
        while true {
            while SDL_PollEvent(&event) != 0 {
                switch SDL_EventType(event.type) {
                case SDL_QUIT: return nil
                case SDL_KEYDOWN where entry != nil:
                    // Typing a time to jump to: digits, a unit, Enter (Esc cancels).
                    let sym = Int(event.key.keysym.sym)
                    if sym == Int(SDLK_RETURN.rawValue) {
                        if let t = parseDuration(entry!) { playing = false; session.advance(to: t) }
                        entry = nil
                    } else if sym == Int(SDLK_ESCAPE.rawValue) { entry = nil }
                    else if sym == Int(SDLK_BACKSPACE.rawValue) { entry!.removeLast(entry!.isEmpty ? 0 : 1) }
                    else if sym < 128, let ch = Unicode.Scalar(sym), "0123456789.numsµ".unicodeScalars.contains(ch) { entry!.unicodeScalars.append(ch) }
                case SDL_KEYDOWN:
                    switch Int(event.key.keysym.sym) {
                    case Int(Character("t").asciiValue!): entry = ""
                    case Int(SDLK_ESCAPE.rawValue), Int(Character("q").asciiValue!): return nil
                    case Int(SDLK_SPACE.rawValue): playing.toggle()
                    case Int(Character("+").asciiValue!), Int(Character("=").asciiValue!): speed = Picoseconds(speed.raw &* 2)
                    case Int(Character("-").asciiValue!): speed = Picoseconds(max(1, speed.raw / 2))
                    case Int(Character("n").asciiValue!), Int(SDLK_RIGHT.rawValue): playing = false; session.stepEvent()
                    case Int(Character("j").asciiValue!): session.advance(to: session.time + Picoseconds(speed.raw &* 10))
                    // The next event of a kind: IPI, message, kernel state, lock, migration.
                    case Int(Character("i").asciiValue!): playing = false; session.step(untilA: .ipi)
                    case Int(Character("m").asciiValue!): playing = false; session.step(untilA: .message)
                    case Int(Character("k").asciiValue!): playing = false; session.step(untilA: .kernel)
                    case Int(Character("l").asciiValue!): playing = false; session.step(untilA: .lock)
                    case Int(Character("g").asciiValue!): playing = false; session.step(untilA: .migration)
                    default: break
                    }
                case SDL_MOUSEBUTTONDOWN:
                    let (x, y) = (Int(event.button.x), Int(event.button.y))
                    if let line = picture.line(at: x, y) { session.selectedLine = session.selectedLine == line ? nil : line }
                    else { session.selectedCPU = picture.cpu(at: x, y) }
                default: break
                }
            }
            let nowTicks = SDL_GetTicks64()
            if playing {
                let dt = Picoseconds(UInt64(Double(speed.raw) * Double(nowTicks - last) / 1000))
                session.advance(to: until.map { min($0, session.time + dt) } ?? session.time + dt)
            }
            last = nowTicks
            let status = entry.map { "go to time: \($0)_ (Enter)" } ?? (playing ? "playing" : "paused") + ", \(Narration.duration(speed)) per second" + (session.result != nil ? ", run over" : "")
            let canvas = picture.draw(session, status: status)
            present(canvas, renderer, texture)
            if let until, session.time >= until || session.result != nil { return readBack(renderer, picture) }
            SDL_Delay(16)
        }
    }

    /// The picture as SDL draws it, through an offscreen window (SDL's offscreen video
    /// driver: no display needed) and read back.
    public static func offscreenFrame(_ canvas: Canvas) throws(Failure) -> Canvas {
        setenv("SDL_VIDEODRIVER", "offscreen", 1)
        guard SDL_Init(SDL_INIT_VIDEO) == 0 else { throw Failure(description: "SDL's offscreen driver did not start: \(sdlError())") }
        defer { SDL_Quit() }
        guard let window = SDL_CreateWindow("mksim frame", 0, 0, Int32(canvas.width), Int32(canvas.height), SDL_WINDOW_HIDDEN.rawValue) else {
            throw Failure(description: "SDL could not open an offscreen window: \(sdlError())")
        }
        defer { SDL_DestroyWindow(window) }
        let picture = (width: canvas.width, height: canvas.height)
        guard let renderer = SDL_CreateRenderer(window, -1, SDL_RENDERER_SOFTWARE.rawValue),
              let texture = SDL_CreateTexture(renderer, SDL_PIXELFORMAT_RGB24.rawValue, Int32(SDL_TEXTUREACCESS_STREAMING.rawValue),
                                              Int32(picture.width), Int32(picture.height)) else {
            throw Failure(description: "SDL could not make a renderer: \(sdlError())")
        }
        defer { SDL_DestroyTexture(texture); SDL_DestroyRenderer(renderer) }
        present(canvas, renderer, texture)
        var rgb = [UInt8](repeating: 0, count: canvas.width * canvas.height * 3)
        guard SDL_RenderReadPixels(renderer, nil, SDL_PIXELFORMAT_RGB24.rawValue, &rgb, Int32(canvas.width * 3)) == 0 else {
            throw Failure(description: "SDL could not read the frame back: \(sdlError())")
        }
        return Canvas(width: canvas.width, height: canvas.height, rgb: rgb)
    }

    private static func makeRenderer(_ window: OpaquePointer, _ picture: MachinePicture) throws(Failure) -> (OpaquePointer, OpaquePointer) {
        guard let renderer = SDL_CreateRenderer(window, -1, SDL_RENDERER_SOFTWARE.rawValue) ?? SDL_CreateRenderer(window, -1, 0),
              let texture = SDL_CreateTexture(renderer, SDL_PIXELFORMAT_RGB24.rawValue, Int32(SDL_TEXTUREACCESS_STREAMING.rawValue),
                                              Int32(picture.width), Int32(picture.height)) else {
            throw Failure(description: "SDL could not make a renderer: \(sdlError())")
        }
        return (renderer, texture)
    }

    private static func present(_ canvas: Canvas, _ renderer: OpaquePointer, _ texture: OpaquePointer) {
        let rgb = canvas.rgbBytes()
        rgb.withUnsafeBytes { _ = SDL_UpdateTexture(texture, nil, $0.baseAddress, Int32(canvas.width * 3)) }
        SDL_RenderClear(renderer)
        SDL_RenderCopy(renderer, texture, nil, nil)
        SDL_RenderPresent(renderer)
    }

    private static func readBack(_ renderer: OpaquePointer, _ picture: MachinePicture) -> Canvas? {
        var rgb = [UInt8](repeating: 0, count: picture.width * picture.height * 3)
        guard SDL_RenderReadPixels(renderer, nil, SDL_PIXELFORMAT_RGB24.rawValue, &rgb, Int32(picture.width * 3)) == 0 else { return nil }
        return Canvas(width: picture.width, height: picture.height, rgb: rgb)
    }

    private static func sdlError() -> String { String(cString: SDL_GetError()) }
}
#endif
