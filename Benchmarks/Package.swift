// swift-tools-version: 6.1
// Benchmarks live in their own package so that `swift test` never builds them.
// Run: cd Benchmarks && swift package benchmark   (see docs/PERFORMANCE.md)
import PackageDescription

let package = Package(
    name: "mksim-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "mksim", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "EngineBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "SimKernelModel", package: "mksim"),
                .product(name: "SimScenario", package: "mksim"),
            ],
            path: "Benchmarks/EngineBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
