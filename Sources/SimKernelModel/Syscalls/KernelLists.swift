import SimMachine

/// Doubly linked kernel lists (`KernelStep.listAdd`, `.listDel`): per list head, the entry
/// linked last, whose line an insert or a delete next to it writes.
struct KernelLists {
    var last: [LineID: LineID] = [:]

    /// `entry` is linked at `head`: returns the neighbour it writes (nil: none, or its own).
    mutating func add(head: LineID, entry: LineID) -> LineID? {
        let before = last[head]
        last[head] = entry
        return before == entry ? nil : before
    }

    /// `entry` leaves the list at `head`: its neighbour is the entry linked last (if another).
    mutating func remove(head: LineID, entry: LineID) -> LineID? {
        guard let l = last[head] else { return nil }
        if l == entry { last[head] = nil; return nil }
        return l
    }
}
