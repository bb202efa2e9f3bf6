import SimMachine
import SimReport
import SimScenario
import Testing

@Suite struct MachinePresetTests {
    /// `mksim machines NAME` prints YAML that reads back into the same machine.
    @Test(arguments: MachinePresets.names)
    func presetYAMLRoundTrips(_ name: String) throws {
        let preset = MachinePresets.named(name)!
        let machineYAML = MachineYAML.text(preset)
        let text = """
        mksim: 1
        name: rt
        \(machineYAML)
        kernels: [{name: k, cpus: all}]
        workloads: [{name: w, generate: {kind: syscall-loop, syscall: getpid, iterations: 1}}]
        """
        let read = try ScenarioFile.parse(text, path: "rt.yaml").points()[0].scenario.config.machine
        #expect(read.topology == preset.topology)
        #expect(read.frequency == preset.frequency)
        #expect(read.caches == preset.caches)
        #expect(read.coherence == preset.coherence)
        #expect(read.memory == preset.memory)
        #expect(read.apic == preset.apic)
    }

    @Test func everyPresetCitesSources() {
        for m in MachinePresets.all { #expect(!m.sources.isEmpty, "\(m.name) has no sources") }
    }
}
