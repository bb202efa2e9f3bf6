import Foundation
import SimReport
import Testing

/// The scenario format's JSON Schema (docs/schema/scenario.schema.json): it is what `mksim
/// schema` prints from the reader's key tables, every shipped scenario names it and passes
/// it under Python's `jsonschema`, and it refuses what the reader refuses by key.
@Suite struct SchemaTests {
    static let python = Repo.path(".build-py/bin/python3")
    static let shipped = Repo.path("docs/schema/scenario.schema.json")

    @Test func theShippedSchemaIsTheGeneratedOne() throws {
        let file = try String(contentsOfFile: Self.shipped, encoding: .utf8)
        #expect(file == ScenarioSchema.json().render() + "\n", "regenerate it: mksim schema > docs/schema/scenario.schema.json")
    }

    @Test func everyShippedScenarioNamesTheSchema() throws {
        let root = URL(fileURLWithPath: Repo.path("."))
        for file in Repo.scenarios() + [Repo.path("examples/custom-scheduler/scenario.yaml")] {
            let first = try String(contentsOfFile: file, encoding: .utf8).prefix { $0 != "\n" }
            let dir = URL(fileURLWithPath: file).deletingLastPathComponent()
            let relative = String(repeating: "../", count: dir.standardized.pathComponents.count - root.standardized.pathComponents.count)
            #expect(first == "# yaml-language-server: $schema=\(relative)docs/schema/scenario.schema.json", "\(file)")
        }
    }

    static func checked(_ files: [String]) throws -> [String: [String]] {
        try #require(FileManager.default.isExecutableFile(atPath: python), "\(python) is missing: `make deps` makes the venv with jsonschema")
        let r = try Repo.run(URL(fileURLWithPath: python), [Repo.path("Tests/tools/check_schema.py"), shipped] + files)
        try #require(r.status == 0, "\(r.stderr)")
        return try JSONDecoder().decode([String: [String]].self, from: Data(r.stdout.utf8))
    }

    @Test func shippedScenariosPassJsonschema() throws {
        let files = Repo.scenarios() + [Repo.path("examples/custom-scheduler/scenario.yaml")]
        let result = try Self.checked(files)
        #expect(result.count == files.count)
        for (file, problems) in result { #expect(problems.isEmpty, "\(file): \(problems)") }
    }

    @Test func whatTheReaderRefusesByKeyTheSchemaRefuses() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mksim-schema-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let base = """
        mksim: 1
        name: s
        machine: {preset: teaching-2s4c}
        kernels: [{name: k, cpus: all}]
        workloads:
          - name: w
            threads: 2
            generate: {kind: syscall-loop, syscall: getpid, iterations: 10}

        """
        let cases: [(name: String, text: String, path: String)] = [
            ("typo", base.replacingOccurrences(of: "threads: 2", with: "thread: 2"), "workloads.0"),
            ("generator", base.replacingOccurrences(of: "iterations: 10", with: "iterations: 10, testcase: unlink1"), "workloads.0.generate"),
            ("missing", base.replacingOccurrences(of: "kernels: [{name: k, cpus: all}]\n", with: ""), "(top)"),
            ("machine", base.replacingOccurrences(of: "preset: teaching-2s4c", with: "preset: teaching-2s4c, socket: 2"), "machine"),
            ("variant", base + "variants:\n  v: {kernel: []}\n", "variants.v"),
        ]
        var files: [String] = []
        for c in cases {
            let f = dir.appendingPathComponent("\(c.name).yaml").path
            try c.text.write(toFile: f, atomically: true, encoding: .utf8)
            files.append(f)
            // The reader refuses each of them too.
            let v = try Repo.mksim(["validate", f])
            #expect(v.status == 2, "\(c.name): \(v.stdout) \(v.stderr)")
        }
        let ok = dir.appendingPathComponent("ok.yaml").path
        try base.write(toFile: ok, atomically: true, encoding: .utf8)
        let result = try Self.checked(files + [ok])
        #expect(result[ok] == [], "the base file passes: \(result[ok] ?? [])")
        for (c, f) in zip(cases, files) {
            let problems = result[f] ?? []
            #expect(problems.contains { $0.hasPrefix(c.path + ":") }, "\(c.name): \(problems)")
        }
    }
}
