import ArgumentParser
import SimReport

struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the JSON Schema of the scenario format (for editors).",
        discussion: """
        Made from the scenario reader's own key tables, so it knows exactly the keys mksim \
        reads. The repository ships it as docs/schema/scenario.schema.json, and every shipped \
        scenario names it on its first line for editors with YAML language support:

          # yaml-language-server: $schema=../docs/schema/scenario.schema.json
        """
    )

    func run() throws {
        print(ScenarioSchema.json().render())
    }
}
