import SimKernelModel

/// The display's colours: one hue per kernel (the CPU's frame), one fill per activity.
enum Palette {
    static let background = Color(24, 26, 32)
    static let text = Color(230, 232, 236)
    static let dim = Color(150, 156, 168)
    static let socket = Color(90, 96, 110)
    static let ipi = Color(255, 80, 80)
    static let message = Color(90, 170, 255)

    /// Kernel k's colour: distinct hues, none of them an activity's fill.
    static func kernel(_ k: Int) -> Color {
        let hues = [Color(0, 200, 255), Color(255, 0, 200), Color(160, 120, 255), Color(255, 255, 255),
                    Color(0, 255, 160), Color(255, 140, 0), Color(120, 80, 40), Color(255, 200, 200)]
        return hues[k % hues.count]
    }

    static let user = Color(60, 160, 90)
    static let kernelPath = Color(220, 140, 40)
    static let handler = Color(200, 50, 50)
    static let spinning = Color(200, 190, 50)
    static let idle = Color(52, 55, 64)
    static let halted = Color(8, 8, 8)
    static let offline = Color(95, 95, 100)

    static let legend: [(String, Color)] = [
        ("user", user), ("kernel path", kernelPath), ("interrupt", handler), ("spinning", spinning),
        ("idle", idle), ("halted", halted), ("offline", offline),
    ]

    /// An activity's fill and its label (a task named by `workload`).
    static func activity(_ a: CPUActivity, workload: (Int) -> String) -> (Color, String) {
        switch a {
        case .idle: return (idle, "idle")
        case .user(let t): return (user, "\(workload(t)) #\(t)")
        case .kernel(let t, let s): return (kernelPath, "\(s) #\(t)")
        case .spinning(_, let line): return (spinning, "spin \(line)")
        case .handler(let v): return (handler, "irq 0x" + String(v, radix: 16))
        case .halted: return (halted, "halted")
        case .offline: return (offline, "offline")
        }
    }

    /// Dark text on light fills, light on dark.
    static func ink(on c: Color) -> Color {
        let luma = 299 * Int(c.r) + 587 * Int(c.g) + 114 * Int(c.b)
        return luma > 128_000 ? Color(10, 10, 14) : text
    }
}
