// swift-tools-version: 6.1
// mksim — a discrete-event simulator of multikernel hardware.
// Layers, lowest first (each imports only those below it; see docs/architecture.md):
//   SimMachine → SimCPU → SimWorkloads → SimKernelModel → SimScenario → SimReport → SimDisplay → mksim
import PackageDescription

let package = Package(
    name: "mksim",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "mksim", targets: ["mksim"]),
        .library(name: "SimKernelModel", targets: ["SimKernelModel"]),
        .library(name: "SimScenario", targets: ["SimScenario"]),
        .library(name: "SimReport", targets: ["SimReport"]),
    ],
    // `Display`: the SDL2 window of `mksim show` (needs libsdl2-dev; `make show`). Off by
    // default, so that a plain `swift build` and `swift test` never need SDL2.
    traits: [.trait(name: "Display"), .default(enabledTraits: [])],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CCapstone",
            pkgConfig: "capstone",
            providers: [.apt(["libcapstone-dev"])]
        ),
        // Header only: a host prefetch hint for the directory's hot path.
        .systemLibrary(name: "CPrefetch"),
        .target(name: "SimMachine", dependencies: ["CPrefetch"]),
        .target(name: "SimCPU", dependencies: ["SimMachine", "CCapstone"]),
        .target(name: "SimWorkloads", dependencies: ["SimMachine", "SimCPU"]),
        .target(
            name: "SimKernelModel",
            dependencies: [
                "SimMachine", "SimCPU", "SimWorkloads",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        // Example user-written scheduling policies, registered by name (docs/schedulers.md).
        .target(name: "SchedulerExamples", dependencies: ["SimKernelModel", "SimWorkloads", "SimMachine"]),
        .target(
            name: "SimScenario",
            dependencies: ["SimMachine", "SimCPU", "SimWorkloads", "SimKernelModel", "Yams",
                           .product(name: "Crypto", package: "swift-crypto")]
        ),
        // The git commit of the build, for provenance (written by BuildInfoPlugin at build time).
        .plugin(name: "BuildInfoPlugin", capability: .buildTool()),
        .target(name: "BuildInfo", plugins: ["BuildInfoPlugin"]),
        .target(name: "SimReport", dependencies: ["SimMachine", "SimWorkloads", "SimKernelModel", "SimScenario", "BuildInfo"]),
        // zlib: the display's PNG frames are deflated.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // SDL2, only with the Display trait (`make show`): the window of `mksim show`.
        .systemLibrary(name: "CSDL2", pkgConfig: "sdl2", providers: [.apt(["libsdl2-dev"])]),
        // The machine drawn as it runs: software-drawn frames (PNG files), and a window with SDL2.
        .target(name: "SimDisplay", dependencies: [
            "SimMachine", "SimKernelModel", "SimScenario", "SimReport", "CZlib",
            .target(name: "CSDL2", condition: .when(traits: ["Display"])),
        ]),
        .executableTarget(
            name: "mksim",
            dependencies: [
                "SimScenario", "SimReport", "SimKernelModel", "SimMachine", "SimWorkloads", "SchedulerExamples", "SimDisplay",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "SimMachineTests", dependencies: ["SimMachine"]),
        .testTarget(name: "SimCPUTests", dependencies: ["SimCPU"]),
        .testTarget(name: "SimWorkloadsTests", dependencies: ["SimWorkloads", "SimCPU", "SimMachine"]),
        .testTarget(name: "SimKernelModelTests", dependencies: ["SimKernelModel", "SimWorkloads", "SimCPU", "SimMachine"]),
        .testTarget(name: "SimScenarioTests", dependencies: ["SimScenario", "SimReport", "SimKernelModel", "SimMachine"]),
        .testTarget(name: "EndToEndTests", dependencies: ["mksim", "SimScenario", "SimReport", "SimMachine", "SchedulerExamples", "SimKernelModel"]),
    ]
)
