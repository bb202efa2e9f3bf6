// swift-tools-version: 6.1
// A scheduling policy written outside mksim, in a package that depends on mksim by path
// (a released mksim would be `.package(url: ..., from: ...)`): it registers the policy by
// name and runs a scenario that asks for it. Build and run: `swift run -c release`.
import PackageDescription

let package = Package(
    name: "custom-scheduler",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "mksim", path: "../.."),
    ],
    targets: [
        .executableTarget(
            name: "custom-scheduler",
            dependencies: [
                .product(name: "SimKernelModel", package: "mksim"),
                .product(name: "SimScenario", package: "mksim"),
                .product(name: "SimReport", package: "mksim"),
            ]
        ),
    ]
)
