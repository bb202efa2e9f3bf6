import Foundation
import SimKernelModel
import SimMachine
import SimReport

/// Draws the machine as it is at the session's time: sockets and their cores laid out from
/// the topology, each CPU filled by what it does and framed in its kernel's colour; IPIs
/// and messages in flight as arrows; at the right the kernels, the hottest lines, the locks
/// with waiters, the channels and the last things told.
public struct MachinePicture {
    public let width: Int
    public let height: Int
    /// Where each CPU is drawn (the frame's legend, clicks).
    public private(set) var cpuRects: [Rect] = []
    /// Where the last picture listed each hot line (clicks).
    public private(set) var lineRows: [(rect: Rect, name: String)] = []
    private let panelX: Int

    public init(topology: Topology, width: Int = 1280, height: Int = 720) {
        self.width = width
        self.height = height
        panelX = width * 64 / 100
        cpuRects = Self.layout(topology, in: Rect(x: 12, y: 40, w: panelX - 24, h: height - 90))
    }

    /// Sockets side by side; in each, cores in a near-square grid, a core's SMT threads
    /// side by side in it.
    static func layout(_ t: Topology, in area: Rect) -> [Rect] {
        var rects = [Rect](repeating: Rect(x: 0, y: 0, w: 0, h: 0), count: t.cpuCount)
        let sockets = t.sockets, cores = t.coresPerSocket, threads = t.threadsPerCore
        // Up to two sockets side by side; more in a grid (eight: 4 x 2).
        let socketCols = sockets <= 2 ? sockets : Int(Double(sockets).squareRoot().rounded(.up))
        let socketRows = (sockets + socketCols - 1) / socketCols
        let socketW = area.w / socketCols, socketH = area.h / socketRows
        let cols = max(1, Int(Double(cores).squareRoot().rounded(.up)))
        let rows = (cores + cols - 1) / cols
        for s in 0..<sockets {
            let box = Rect(x: area.x + (s % socketCols) * socketW + 6, y: area.y + (s / socketCols) * socketH + 18,
                           w: socketW - 12, h: socketH - 30)
            // Cells no taller than wide (a small machine's would be tall stripes).
            let cellW = box.w / cols, cellH = min(box.h / rows, max(cellW, 40 * threads))
            for core in 0..<cores {
                let cell = Rect(x: box.x + (core % cols) * cellW, y: box.y + (core / cols) * cellH, w: cellW, h: cellH).inset(4)
                let threadW = cell.w / threads
                for th in 0..<threads {
                    let cpu = th * sockets * cores + s * cores + core  // Linux numbering (Topology)
                    rects[cpu] = Rect(x: cell.x + th * threadW, y: cell.y, w: threadW - (th < threads - 1 ? 2 : 0), h: cell.h)
                }
            }
        }
        return rects
    }

    /// The CPU drawn at a pixel, if any.
    public func cpu(at x: Int, _ y: Int) -> Int? { cpuRects.firstIndex { $0.contains(x, y) } }

    /// The hot line listed at a pixel of the panel, if any.
    public func line(at x: Int, _ y: Int) -> String? { lineRows.first { $0.rect.contains(x, y) }?.name }

    public mutating func draw(_ session: DisplaySession, status: String) -> Canvas {
        var c = Canvas(width: width, height: height, background: Palette.background)
        let sim = session.sim
        let names = session.names
        // Title.
        c.text("mksim show  \(session.point.scenario.name)" + (session.point.variant.map { " (\($0))" } ?? ""), x: 12, y: 10, Palette.text, scale: 2)
        c.text(Narration.time(session.time).trimmingCharacters(in: .whitespaces) + "  " + status, x: panelX, y: 14, Palette.text)
        // Sockets.
        let topology = sim.config.machine.topology
        for s in 0..<topology.sockets {
            let cpus = (0..<topology.cpuCount).filter { topology.socket(of: $0) == s }
            guard let first = cpus.first else { continue }
            var box = cpuRects[first]
            for cpu in cpus {
                let r = cpuRects[cpu]
                let x1 = max(box.x + box.w, r.x + r.w), y1 = max(box.y + box.h, r.y + r.h)
                box = Rect(x: min(box.x, r.x), y: min(box.y, r.y), w: 0, h: 0)
                box.w = x1 - box.x; box.h = y1 - box.y
            }
            let frame = Rect(x: box.x - 8, y: box.y - 22, w: box.w + 16, h: box.h + 30)
            c.stroke(frame, Palette.socket, thickness: 2)
            c.text("socket \(s)", x: frame.x + 6, y: frame.y + 5, Palette.dim)
        }
        // CPUs.
        for cpu in 0..<sim.cpuCount { drawCPU(&c, sim.cpuView(cpu), selected: session.selectedCPU == cpu, sim: sim) }
        // The chosen line: its owner outlined thick, its sharers thin.
        if let name = session.selectedLine, let l = sim.lineNames.firstIndex(of: name) {
            let v = sim.lineView(LineID(l))
            for cpu in v.sharers where cpu < cpuRects.count { c.stroke(cpuRects[cpu].inset(-4), Palette.text, thickness: 1) }
            if let o = v.owner, o < cpuRects.count { c.stroke(cpuRects[o].inset(-5), Palette.text, thickness: 3) }
        }
        // What is in flight.
        let apic = sim.config.machine.apic
        for (key, from) in session.ipis.sorted(by: { ($0.key.sentAt, $0.key.to) < ($1.key.sentAt, $1.key.to) }) {
            arrow(&c, from: from, to: key.to, Palette.ipi)
            // The IPI itself, moving along its arrow: how far it is through its send and
            // flight (the APIC's costs for the distance), held short of the end until it lands.
            let d = topology.distance(from, key.to)
            let flight = Double((apic.sendCost(remote: d == .remote) + apic.deliveryLatency(d)).raw)
            let done = min(0.9, Double(session.time.raw &- min(session.time.raw, key.sentAt.raw)) / max(1, flight))
            dot(&c, from: from, to: key.to, at: done, Palette.ipi)
        }
        for (ring, queued) in session.messages.sorted(by: { $0.key < $1.key }) {
            guard let r = names.rings.at(ring), let to = names.cpuKernels.firstIndex(of: r.to) else { continue }
            for m in queued.prefix(4) { arrow(&c, from: m.cpu, to: to, Palette.message, offset: 6) }
        }
        drawPanel(&c, session)
        drawLegend(&c)
        return c
    }

    private func arrow(_ c: inout Canvas, from: Int, to: Int, _ color: Color, offset: Int = 0) {
        guard from >= 0, to >= 0, from < cpuRects.count, to < cpuRects.count, from != to else { return }
        let a = cpuRects[from], b = cpuRects[to]
        c.arrow(a.centerX + offset, a.centerY + offset, b.centerX + offset, b.centerY + offset, color, thickness: 3)
    }

    private func dot(_ c: inout Canvas, from: Int, to: Int, at f: Double, _ color: Color) {
        guard from >= 0, to >= 0, from < cpuRects.count, to < cpuRects.count, from != to else { return }
        let a = cpuRects[from], b = cpuRects[to]
        let x = a.centerX + Int((Double(b.centerX - a.centerX) * f).rounded()), y = a.centerY + Int((Double(b.centerY - a.centerY) * f).rounded())
        c.fill(Rect(x: x - 6, y: y - 6, w: 12, h: 12), Palette.text)
        c.fill(Rect(x: x - 4, y: y - 4, w: 8, h: 8), color)
    }

    private func drawCPU(_ c: inout Canvas, _ v: CPUView, selected: Bool, sim: Simulation) {
        let r = cpuRects[v.cpu]
        let (fill, label) = Palette.activity(v.activity) { sim.taskView($0).workload }
        c.fill(r, fill)
        c.stroke(r, v.kernel >= 0 ? Palette.kernel(v.kernel) : Palette.dim, thickness: max(2, min(6, r.w / 16)))
        if selected { c.stroke(r.inset(-3), Palette.text, thickness: 2) }
        guard r.w >= 40, r.h >= 30 else { return }
        let ink = Palette.ink(on: fill)
        let big = r.w >= 150 && r.h >= 110 ? 2 : 1  // large cells: large text
        let line = 16 * big
        c.text("CPU \(v.cpu)", x: r.x + 8, y: r.y + 8, ink, scale: big, maxWidth: r.w - 12)
        c.text(label, x: r.x + 8, y: r.y + 8 + line, ink, maxWidth: r.w - 12)
        if r.h >= 64, v.queued > 0 { c.text("+\(v.queued) queued", x: r.x + 8, y: r.y + 8 + line + 16, ink, maxWidth: r.w - 12) }
    }

    private mutating func drawPanel(_ c: inout Canvas, _ session: DisplaySession) {
        let sim = session.sim
        var y = 40
        let x = panelX, w = width - panelX - 12
        func heading(_ s: String) { y += 6; c.text(s, x: x, y: y, Palette.dim); y += 16 }
        func row(_ s: String, _ color: Color = Palette.text) { c.text(s, x: x + 8, y: y, color, maxWidth: w - 8); y += 15 }
        heading("kernels")
        for k in sim.kernelNames.indices {
            let v = sim.kernelView(k)
            c.fill(Rect(x: x + 8, y: y + 1, w: 10, h: 10), Palette.kernel(k))
            c.text("\(v.name): \(v.state), CPUs \(v.cpus.isEmpty ? "none" : CPURanges.format(v.cpus)), \(v.ops) ops", x: x + 24, y: y, Palette.text, maxWidth: w - 24)
            y += 15
        }
        if let cpu = session.selectedCPU {
            heading("CPU \(cpu)")
            let v = sim.cpuView(cpu)
            row("busy \(Narration.duration(v.busy)), \(v.contextSwitches) switches, \(v.interruptsHandled) handlers")
            if case .user(let t) = v.activity { row(taskLine(sim.taskView(t))) }
            if case .kernel(let t, _) = v.activity { row(taskLine(sim.taskView(t))) }
            if case .spinning(let t, _) = v.activity { row(taskLine(sim.taskView(t))) }
        }
        heading("hottest lines (click one)")
        lineRows.removeAll()
        var lines = sim.hottestLines(5)
        if let name = session.selectedLine, !lines.contains(where: { $0.name == name }), let l = sim.lineNames.firstIndex(of: name) {
            lines.append(sim.lineView(LineID(l)))
        }
        for l in lines {
            let owner = l.owner.map { "CPU \($0)" } ?? "-"
            lineRows.append((Rect(x: x, y: y, w: w, h: 15), l.name))
            let chosen = l.name == session.selectedLine
            row((chosen ? "> " : "") + "\(l.name): \(l.state), owner \(owner), sharers \(l.sharers.isEmpty ? "-" : CPURanges.format(l.sharers)), \(l.misses) misses")
            if chosen { row("  value \(l.value), \(l.accesses) accesses", Palette.dim) }
        }
        let waited = sim.lockNames.indices.map { sim.lockView($0) }.filter { !$0.waiting.isEmpty }.sorted { $0.waiting.count > $1.waiting.count }
        if !waited.isEmpty {
            heading("locks with waiters")
            for l in waited.prefix(4) { row("\(l.name): \(l.waiting.count) waiting (\(l.algorithm))") }
        }
        let names = session.names
        if !names.rings.isEmpty {
            heading("channels (messages in flight)")
            for (i, r) in names.rings.enumerated().prefix(6) {
                let n = session.messages[i]?.count ?? 0
                row("\(r.channel) \(names.kernels.at(r.from) ?? "?")->\(names.kernels.at(r.to) ?? "?"): \(n)", n > 0 ? Palette.message : Palette.text)
            }
        }
        // The last things told: under the sockets when there is room there, else here.
        let below = (cpuRects.map { $0.y + $0.h }.max() ?? 0) + 24
        if height - 40 - below >= 15 * 4 {
            c.text("last told", x: 12, y: below, Palette.dim)
            for (i, line) in session.recent.suffix((height - 40 - below - 18) / 15).enumerated() {
                c.text(line, x: 20, y: below + 18 + 15 * i, Palette.text, maxWidth: panelX - 32)
            }
        } else {
            heading("last told")
            for line in session.recent.suffix(max(0, (height - 60 - y) / 15)) { row(line) }
        }
    }

    private func taskLine(_ t: TaskView) -> String {
        "task \(t.task) (\(t.workload)): \(t.ops) ops" + (t.doing.map { ", \($0)" } ?? "")
    }

    private func drawLegend(_ c: inout Canvas) {
        var x = 12
        let y = height - 24
        for (label, color) in Palette.legend {
            c.fill(Rect(x: x, y: y, w: 12, h: 12), color)
            x += 16 + c.text(label, x: x + 16, y: y, Palette.text) + 12
        }
        c.arrow(x, y + 6, x + 24, y + 6, Palette.ipi); x += 30
        x += c.text("IPI", x: x, y: y, Palette.text) + 14
        c.arrow(x, y + 6, x + 24, y + 6, Palette.message); x += 30
        c.text("message", x: x, y: y, Palette.text)
    }

    /// The legend file beside a frame: where each CPU is and the colours, for tools (and
    /// tests) that read the picture.
    public func legendJSON(_ session: DisplaySession) -> String {
        let sim = session.sim
        var cpus: [String] = []
        for (i, r) in cpuRects.enumerated() {
            let v = sim.cpuView(i)
            let (fill, _) = Palette.activity(v.activity) { sim.taskView($0).workload }
            cpus.append("{\"cpu\":\(i),\"x\":\(r.x),\"y\":\(r.y),\"w\":\(r.w),\"h\":\(r.h),\"kernel\":\(v.kernel),\"fill\":\"\(fill.hex)\"}")
        }
        let kernels = sim.kernelNames.indices.map { "{\"name\":\"\(sim.kernelNames[$0])\",\"colour\":\"\(Palette.kernel($0).hex)\"}" }
        return "{\"time_ns\":\(Double(session.time.raw) / 1000),\"width\":\(width),\"height\":\(height),\"kernels\":[\(kernels.joined(separator: ","))],\"cpus\":[\(cpus.joined(separator: ","))]}\n"
    }
}
