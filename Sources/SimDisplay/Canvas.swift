import Foundation

/// An RGBA picture drawn in software: what a frame file holds and what the window shows
/// (the window uploads it as one texture), so that both are the same pixels.
public struct Canvas: Sendable {
    public let width: Int
    public let height: Int
    /// Row-major pixels, one `Color` each.
    public private(set) var pixels: [Color]

    public init(width: Int, height: Int, background: Color = .black) {
        self.width = width
        self.height = height
        pixels = Array(repeating: background, count: width * height)
    }

    public subscript(x: Int, y: Int) -> Color { pixels[y * width + x] }

    /// The pixels as packed 8-bit R, G, B, row by row (SDL's RGB24, PNG's rows).
    public func rgbBytes() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: width * height * 3)
        for (i, p) in pixels.enumerated() { out[3 * i] = p.r; out[3 * i + 1] = p.g; out[3 * i + 2] = p.b }
        return out
    }

    /// A canvas of packed RGB24 pixels (read back from a renderer).
    public init(width: Int, height: Int, rgb: [UInt8]) {
        self.width = width
        self.height = height
        pixels = (0..<(width * height)).map { Color(rgb[3 * $0], rgb[3 * $0 + 1], rgb[3 * $0 + 2]) }
    }

    public mutating func fill(_ r: Rect, _ c: Color) {
        let x0 = max(0, r.x), y0 = max(0, r.y), x1 = min(width, r.x + r.w), y1 = min(height, r.y + r.h)
        guard x0 < x1, y0 < y1 else { return }
        for y in y0..<y1 {
            let row = y * width
            for x in x0..<x1 { pixels[row + x] = c }
        }
    }

    /// A frame `thickness` pixels wide inside `r`.
    public mutating func stroke(_ r: Rect, _ c: Color, thickness t: Int = 1) {
        fill(Rect(x: r.x, y: r.y, w: r.w, h: t), c)
        fill(Rect(x: r.x, y: r.y + r.h - t, w: r.w, h: t), c)
        fill(Rect(x: r.x, y: r.y, w: t, h: r.h), c)
        fill(Rect(x: r.x + r.w - t, y: r.y, w: t, h: r.h), c)
    }

    /// A line from (x0, y0) to (x1, y1), `thickness` pixels across (Bresenham, square pen).
    public mutating func line(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ c: Color, thickness t: Int = 1) {
        var x = x0, y = y0
        let dx = abs(x1 - x0), dy = -abs(y1 - y0)
        let sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1
        var err = dx + dy
        while true {
            fill(Rect(x: x - t / 2, y: y - t / 2, w: t, h: t), c)
            if x == x1 && y == y1 { break }
            let e2 = 2 * err
            if e2 >= dy { err += dy; x += sx }
            if e2 <= dx { err += dx; y += sy }
        }
    }

    /// A line with an arrowhead at its end.
    public mutating func arrow(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ c: Color, thickness t: Int = 2) {
        line(x0, y0, x1, y1, c, thickness: t)
        let angle = atan2(Double(y1 - y0), Double(x1 - x0))
        for side in [-0.45, 0.45] {
            let a = angle + Double.pi + side
            line(x1, y1, x1 + Int((cos(a) * 12).rounded()), y1 + Int((sin(a) * 12).rounded()), c, thickness: t)
        }
    }

    /// Text in the bitmap font, `scale` pixels per font pixel; clipped to `maxWidth`.
    /// Returns the width drawn.
    @discardableResult
    public mutating func text(_ s: String, x: Int, y: Int, _ c: Color, scale: Int = 1, maxWidth: Int = .max) -> Int {
        var cx = x
        let advance = BitmapFont.cellWidth * scale
        for ch in s.unicodeScalars {
            if cx + advance - x > maxWidth { break }
            BitmapFont.draw(ch == "µ" ? "u" : ch, into: &self, x: cx, y: y, c, scale: scale)
            cx += advance
        }
        return cx - x
    }

    mutating func set(_ x: Int, _ y: Int, _ c: Color) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        pixels[y * width + x] = c
    }
}

public struct Rect: Sendable, Equatable {
    public var x, y, w, h: Int
    public init(x: Int, y: Int, w: Int, h: Int) { self.x = x; self.y = y; self.w = w; self.h = h }
    public var centerX: Int { x + w / 2 }
    public var centerY: Int { y + h / 2 }
    public func contains(_ px: Int, _ py: Int) -> Bool { px >= x && py >= y && px < x + w && py < y + h }
    public func inset(_ d: Int) -> Rect { Rect(x: x + d, y: y + d, w: max(0, w - 2 * d), h: max(0, h - 2 * d)) }
}

public struct Color: Sendable, Equatable, Hashable {
    public var r, g, b: UInt8
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) { self.r = r; self.g = g; self.b = b }
    public static let black = Color(0, 0, 0)
    public static let white = Color(255, 255, 255)
    /// "#rrggbb", as the frame's legend file writes it.
    public var hex: String {
        "#" + [r, g, b].map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}

