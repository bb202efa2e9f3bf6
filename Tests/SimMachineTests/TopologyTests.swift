import SimMachine
import Testing

@Suite struct TopologyTests {
    /// Linux numbering of the calibration README: socket (i / C) % S, core i % (S*C), thread i / (S*C).
    @Test func linuxNumberingOfXeonGold6242() {
        let t = MachinePresets.xeonGold6242.topology
        #expect(t.cpuCount == 64)
        #expect(t.socket(of: 0) == 0 && t.socket(of: 15) == 0 && t.socket(of: 16) == 1 && t.socket(of: 31) == 1)
        #expect(t.socket(of: 32) == 0 && t.socket(of: 48) == 1)
        #expect(t.core(of: 32) == t.core(of: 0))
        #expect(t.thread(of: 32) == 1)
        #expect(t.cpus(ofSocket: 1) == Array(16..<32) + Array(48..<64))
        #expect(t.distance(0, 32) == .smt)
        #expect(t.distance(0, 1) == .socket)
        #expect(t.distance(0, 16) == .remote)
        #expect(t.distance(0, 48) == .remote)
    }

    @Test func epycClustersAreFourCores() {
        let t = MachinePresets.epyc7742.topology
        #expect(t.cpuCount == 256)
        #expect(t.distance(0, 3) == .cluster)
        #expect(t.distance(0, 4) == .die)  // same CCD, other CCX
        #expect(t.distance(0, 8) == .socket)
        #expect(t.distance(0, 128) == .smt)
        #expect(t.distance(0, 64) == .remote)
        #expect(t.cluster(of: 131) == t.cluster(of: 3))
    }

    @Test func invalidShapesAreDescribed() {
        #expect(!Topology(sockets: 0, coresPerSocket: 4, threadsPerCore: 1).problems().isEmpty)
        #expect(!Topology(sockets: 1, coresPerSocket: 4, threadsPerCore: 1, coresPerCluster: 8).problems().isEmpty)
        #expect(Topology(sockets: 8, coresPerSocket: 4, threadsPerCore: 1).problems().isEmpty)
    }
}
