import SimMachine

extension Simulation {
    /// Each resource move's timeline, in the scenario's order.
    func moveResults() -> [MoveResult] {
        config.moves.enumerated().map { i, m in
            let r = moves.records[i]
            return MoveResult(cpus: m.cpus, from: config.kernels[m.from].name, to: config.kernels[m.to].name,
                              requestedNs: m.at.nanoseconds, releasedNs: r.released.nanoseconds, arrivedNs: r.arrived.nanoseconds,
                              onlineNs: r.online.nanoseconds, ackedNs: r.acked.nanoseconds, tasksMoved: r.tasksMoved,
                              memoryBytes: m.memory?.bytes ?? 0, pagesMigrated: m.memory?.pagesMigrated ?? 0)
        }
    }

    func lifecycle(_ k: Int, end: Picoseconds) -> KernelLifecycle {
        let kr = kernels[k]
        let allUp = kr.life.cpuUpAt.max() ?? kr.life.activeAt
        let respawned = kr.life.incarnation > 0 ? kr.life.respawnTimeline : nil
        let lastUp = respawned.map { $0.cpuUp.max() ?? $0.active } ?? allUp
        let state: KernelState = kr.life.haltedAt != nil ? .halted : kr.life.failedAt != nil ? .failed : lastUp > end ? .booting : .active
        return KernelLifecycle(state: state, via: kr.config.boot.via.rawValue, loadedNs: kr.life.loadedAt.nanoseconds,
                               activeNs: kr.life.activeAt.nanoseconds, allCPUsUpNs: allUp.nanoseconds,
                               failedNs: kr.life.failedOnce?.nanoseconds,
                               respawn: respawned.map { r in
                                   KernelLifecycle.Respawn(atNs: kr.life.respawnAt!.nanoseconds, activeNs: r.active.nanoseconds,
                                                           allCPUsUpNs: (r.cpuUp.max() ?? r.active).nanoseconds)
                               },
                               haltedNs: kr.life.haltedAt?.nanoseconds, tasksStopped: kr.life.tasksStopped,
                               startupIPIs: kr.config.boot.via == .kexec && kr.config.boot.bringup == .initSIPI ? 3 * (kr.config.cpus.count - 1) : 0,
                               tasksKilled: kr.life.tasksKilled, oopses: kr.life.oopses,
                               cpus: kr.config.cpus.filter { cpus[$0].kernel == k }.sorted(),
                               memoryBytes: kr.config.memoryBytes, memoryNode: kr.config.memoryNode)
    }
}
