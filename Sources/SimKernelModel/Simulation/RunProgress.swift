import SimMachine

/// How far the run has come: events handled, the last time anything but a scheduler tick
/// happened, and whether it was found stuck.
struct RunProgress {
    var events: UInt64 = 0
    /// Interacting operations a CPU ran on its own clock instead of with an event (`catchUp`).
    var inlineOperations: UInt64 = 0
    var lastActivity = Picoseconds.zero
    /// Set when the run was found stuck: since then nothing happened but scheduler ticks.
    var stalledSince: Picoseconds?
}
