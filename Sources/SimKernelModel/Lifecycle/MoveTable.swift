/// Resource moves (CPUs and memory handed from one kernel to another) under way.
struct MoveTable {
    var records: [MoveRecord] = []
    /// Memory moves: the task that offlines each one's blocks, by task id.
    var offlinerOfTask: [Int: Int] = [:]
    /// A moved CPU's busy time when it changed hands (split between donor and receiver).
    var busyAtHandOver: [Int: UInt64] = [:]
}
