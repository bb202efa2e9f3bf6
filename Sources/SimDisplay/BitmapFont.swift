/// A 7 × 13 pixel font of printable ASCII (from DejaVu Sans Mono, `BitmapFont+Glyphs`);
/// anything else is drawn as `?`. Enough for labels: the display needs no font library.
enum BitmapFont {
    static func draw(_ ch: Unicode.Scalar, into canvas: inout Canvas, x: Int, y: Int, _ c: Color, scale: Int) {
        let v = Int(ch.value)
        let glyph = glyphs[(v >= 32 && v < 127 ? v : 63) - 32]
        for (row, bits) in glyph.enumerated() where bits != 0 {
            for col in 0..<cellWidth where bits & (1 << col) != 0 {
                if scale == 1 { canvas.set(x + col, y + row, c) } else {
                    canvas.fill(Rect(x: x + col * scale, y: y + row * scale, w: scale, h: scale), c)
                }
            }
        }
    }
}
