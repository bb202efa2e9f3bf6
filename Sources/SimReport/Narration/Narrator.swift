import Foundation
import SimKernelModel
import SimMachine
import SimScenario

/// Tells a run as it goes (`mksim run --narrate`): the observations put back in time order
/// (`ObservationWindow`), each told by `Narration` and handed to `write` a line at a time.
public final class Narrator: Observer {
    private var narration: Narration
    private var window = ObservationWindow()
    private let write: (String) -> Void
    /// Lines told so far (every point).
    public private(set) var lines = 0

    public init(options: NarrationOptions, write: @escaping (String) -> Void) {
        narration = Narration(options: options)
        self.write = write
    }

    /// Starts the story of one point; with several, a heading names it.
    public func startRun(point: RunPoint, index: Int, of count: Int) {
        drain(all: true)
        window.restart()
        guard count > 1 else { return }
        write("== point \(index + 1) of \(count): \(CheckSupport.label(point, sweepKeys: point.params.map(\.key)))")
    }

    public func begin(_ names: ObservationNames) {
        narration.begin(names)
        window.addBoots(names)
    }

    public func observe(_ record: Observation, at time: Picoseconds) {
        if narration.learn(record) { return }
        if window.add(record, at: time) { drain(all: false) }
    }

    /// Tells what is left.
    public func finish() { drain(all: true) }

    private func drain(all: Bool) {
        window.drain(all: all) { record, time in
            if let line = narration.line(record, at: time) {
                lines += 1
                write(line)
            }
        }
    }
}
