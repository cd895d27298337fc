// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "MobileNet",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "MobileNet", targets: ["MobileNet"]),
        // The executable is called `mobilenet`; its module is `MobileNetCLI` so that the two
        // source folders do not collide on case-insensitive file systems (macOS).
        .executable(name: "mobilenet", targets: ["MobileNetCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .target(name: "MobileNet"),
        .executableTarget(
            name: "MobileNetCLI",
            dependencies: [
                "MobileNet",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "MobileNetTests",
            dependencies: ["MobileNet"],
            resources: [.copy("Fixtures")]
        ),
    ]
)
