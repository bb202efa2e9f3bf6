import Foundation
import SimScenario
import Testing

/// Bad input must give diagnostics, never a trap: every scalar of every shipped scenario is
/// replaced, one at a time, by hostile values, and the file is validated and expanded.
@Suite struct HostileInputTests {
    static let hostile = ["-1", "0", "", "abc", "1e400", "1e30GHz", "99999999999999999999", "18446744073709551616 cycles",
                          "1e19B", "1e25ns", "socket99", "5-3", "0-99999", "[1, 2]", "{a: b}", "-0.5", "200%", "nan",
                          "1e308 cycles", "1e15TB", "9e18", "0x10"]

    static func scalarPaths(_ node: YNode, _ prefix: [String]) -> [[String]] {
        switch node.value {
        case .scalar: return [prefix]
        case .mapping(let pairs): return pairs.flatMap { scalarPaths($0.value, prefix + [$0.key]) }
        case .sequence(let items):
            return items.enumerated().flatMap { i, item in scalarPaths(item, prefix + [item["name"]?.scalar ?? String(i)]) }
        }
    }

    static func shippedScenarios() -> [String] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scenarios").standardized
        return (FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL }
            .filter { $0.pathExtension == "yaml" }.map(\.path) ?? []).sorted()
    }

    @Test(arguments: shippedScenarios())
    func hostileScalarsNeverTrap(_ path: String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let file = try ScenarioFile.parse(text, path: path)
        let paths = Self.scalarPaths(file.root, []).filter { !$0.contains("sweep") }
        var checked = 0
        for p in paths {
            for value in Self.hostile {
                // Validation and expansion of the edited file: diagnostics are fine, traps are not.
                let edit = [(key: p.joined(separator: "."), value: YNode.commandLine(value))]
                _ = try? file.points(overrides: edit, variant: file.variants.first?.name)
                checked += 1
            }
        }
        #expect(checked > 100)
    }
}
