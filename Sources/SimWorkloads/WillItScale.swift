/// will-it-scale's testcases (github.com/antonblanchard/will-it-scale, tests/*.c) as
/// syscall programs: what each testcase's loop calls, in order, on which objects (the
/// kernel profile's paths name them: `open_creat` creates in the directory all tasks share,
/// `open_creat_own_dir` in the task's own), and how its loop counts iterations.
public struct WillItScaleTestcase: Sendable, Hashable {
    public enum Item: Sendable, Hashable {
        /// A kernel path of the profile (a syscall, or `page_fault` for a first touch).
        case call(String)
        /// `(*iterations)++` in the testcase's loop.
        case iteration
    }
    public var name: String
    /// The testcase's own `testcase_description`.
    public var description: String
    /// Before the inner loop, its body repeated `repeats` times, after it; then again.
    public var before: [Item]
    public var body: [Item]
    public var repeats: Int
    public var after: [Item]

    public var paths: [String] {
        (before + body + after).compactMap { if case .call(let s) = $0 { return s } else { return nil } }
    }

    /// 128 MiB of 4 KiB pages: MEMSIZE / pgsize in the page-fault and TLB testcases.
    public static let pagesPerMapping = 128 * 1024 * 1024 / 4096

    public static let all: [WillItScaleTestcase] = {
        typealias T = WillItScaleTestcase
        let n = pagesPerMapping
        func loop(_ name: String, _ d: String, _ calls: [String]) -> T {
            T(name: name, description: d, before: [], body: calls.map { .call($0) } + [.iteration], repeats: 1, after: [])
        }
        return [
            // open(O_RDWR|O_CREAT), close, unlink of its own file in /tmp, shared by all tasks.
            loop("unlink1", "Separate file open/close/unlink", ["open_creat", "close", "unlink"]),
            // The same in a directory of its own (mkdtemp per task).
            loop("unlink2", "Separate file open/close/unlink in different directories", ["open_creat_own_dir", "close", "unlink_own_dir"]),
            // open(O_RDWR) and close of its own file (made before the loop) in /tmp.
            loop("open1", "Separate file open/close", ["open", "close"]),
            // The same, its file in a directory of its own: the walk reads that directory
            // instead of /tmp (both only read under RCU), so the model's paths are open1's.
            loop("open2", "Separate file open/close in different directories", ["open", "close"]),
            // Every task opens and closes the same file.
            loop("open3", "Same file open/close", ["open_same_file", "close_same_file"]),
            loop("stat1", "Separate file stat", ["stat"]),
            loop("stat2", "Same file stat", ["stat_same_file"]),
            loop("mmap1", "Anonymous memory mmap/munmap of 128MB", ["mmap_anon", "munmap_unpopulated"]),
            loop("mmap2", "Separate file mmap/munmap of 128MB", ["mmap_file", "munmap_file_unpopulated"]),
            // mmap 128 MiB, write a byte per page (an iteration per page fault), munmap.
            T(name: "page_fault1", description: "Anonymous memory page fault", before: [.call("mmap_anon")],
              body: [.call("page_fault_anon"), .iteration], repeats: n, after: [.call("munmap_populated")]),
            T(name: "page_fault2", description: "Separate file private mapping page fault", before: [.call("mmap_file")],
              body: [.call("page_fault_file"), .iteration], repeats: n, after: [.call("munmap_populated")]),
            loop("getppid1", "getppid", ["getppid"]),
            // Per page: write (a fault), madvise(MADV_DONTNEED) (zap, flush), read (a fault again).
            T(name: "tlb_flush1", description: "TLB flush of separated file private mapping", before: [.call("mmap_file")],
              body: [.call("page_fault_file"), .call("madvise_dontneed"), .call("page_fault_file_read"), .iteration], repeats: n,
              after: [.call("munmap_populated")]),
            // fcntl(F_SETLKW) write lock then unlock of byte 0 of its own file: two iterations.
            T(name: "lock1", description: "Separate file write lock/unlock", before: [],
              body: [.call("fcntl_lock"), .iteration, .call("fcntl_unlock"), .iteration], repeats: 1, after: []),
            loop("futex1", "futex(FUTEX_WAKE)", ["futex_wake"]),
        ]
    }()

    public static func named(_ name: String) -> WillItScaleTestcase? { all.first { $0.name == name } }
}

/// will-it-scale's two ways to run N copies of a testcase.
public enum WillItScaleMode: String, Sendable, CaseIterable {
    /// N processes (fork): each its own address space and file table.
    case processes
    /// N threads of one process: one address space, one file table.
    case threads
}

/// A testcase resolved against a kernel's profile: path indices, in the generator's terms.
public struct SyscallProgram: Sendable, Hashable {
    public enum Step: Sendable, Hashable { case syscall(UInt16), iteration }
    public var before: [Step]
    public var body: [Step]
    public var repeats: Int
    public var after: [Step]
    public init(before: [Step], body: [Step], repeats: Int, after: [Step]) {
        precondition(repeats >= 1 && !body.isEmpty, "a program's body runs at least once")
        self.before = before; self.body = body; self.repeats = repeats; self.after = after
    }
}
