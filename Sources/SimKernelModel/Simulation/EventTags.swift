import SimMachine

/// What a `lifecycle` event does to its kernel (the event's tag).
enum LifecycleChange: UInt16 {
    /// The kernel fails (the scenario's `panic.at`).
    case panic
    /// The host starts booting it again.
    case respawn
    /// It halts in order (its SYSTEM shutdown message arrived, or no channel carries one).
    case halt
    /// Its shutdown is requested (the scenario's `shutdown.at`).
    case shutdownRequested
    /// A CPU of it followed a corrupted pointer: the oops panics it.
    case oops
}

/// What a `hotplug` event does to its CPU (the event's tag).
enum HotplugChange: UInt16 {
    case offline, online
    /// Brought up by its kernel's boot (or by a resource move).
    case bootUp
}

/// The steps of a resource move (a `move` event's tag).
enum MoveStep: UInt16 {
    case release, waitEmpty, resource, ack
    /// The donor's (receiver's) kernel thread starts sending RESOURCE (ACK) on the channel.
    case sendResource, sendAck
    /// A memory move's blocks are online in the receiver.
    case memoryOnline
}

extension EventQueue {
    mutating func push(at t: Picoseconds, kernel k: Int, _ change: LifecycleChange) {
        push(at: t, target: Int32(k), kind: EventKind.lifecycle.rawValue, tag: change.rawValue)
    }

    mutating func push(at t: Picoseconds, cpu c: Int, _ change: HotplugChange) {
        push(at: t, target: Int32(c), kind: EventKind.hotplug.rawValue, tag: change.rawValue)
    }

    mutating func push(at t: Picoseconds, move i: Int, _ step: MoveStep) {
        push(at: t, target: Int32(i), kind: EventKind.move.rawValue, tag: step.rawValue)
    }
}

/// Event kinds of the simulation; raw values go into `Event.kind`.
enum EventKind: UInt16 {
    /// A CPU continues executing (payload: the CPU's generation when scheduled).
    case cpuStep
    /// An IPI reaches a CPU (tag: vector).
    case ipiArrive
    /// Scheduler tick on a CPU.
    case tick
    /// A sleeping task becomes runnable (target: task).
    case taskWake
    /// A task is created and placed (target: task).
    case taskStart
    /// A CPU goes offline, comes back online, or is brought up (target: CPU; tag: `HotplugChange`).
    case hotplug
    /// A kernel instance panics, respawns, halts or is asked to shut down (target: kernel;
    /// tag: `LifecycleChange`).
    case lifecycle
    /// A step of a resource move (target: move index; tag: `MoveStep`).
    case move
    /// A workload's tasks are to migrate to another instance (target: workload).
    case migrate
    /// A migrating task's state has reached its new instance (target: task).
    case migrateArrive
    /// A device raises its interrupt (target: device).
    case deviceInterrupt
    /// A CPU's store buffer writes its next entry or finishes one (target: CPU).
    case storeDrain
}
