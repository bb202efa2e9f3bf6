// swift-tools-version:5.4
// Coverage-guided fuzzing of mksim's readers with libFuzzer (docs/fuzzing.md). Tools
// version 5.4 on purpose: with it a target holding main.swift links against libFuzzer's
// main under -sanitize=fuzzer (newer tools versions fail to link: SwiftPM #8731).
//   swift build -c release --package-path Fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -enable-testing
import PackageDescription

let package = Package(
    name: "mksim-fuzz",
    dependencies: [.package(name: "mksim", path: "..")],
    targets: [
        .target(name: "mksim-fuzz", dependencies: [
            .product(name: "SimScenario", package: "mksim"),
            .product(name: "SimReport", package: "mksim"),
        ]),
    ]
)
