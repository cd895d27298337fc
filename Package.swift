// swift-tools-version:6.0
import Foundation
import PackageDescription

// Target CPU of the numeric kernels (see docs/ARCHITECTURE.md, "Target CPU").
// Without a target CPU, Swift's `addingProduct` on SIMD types lowers to a libm `fmaf` call per
// lane on x86-64, so the kernels use FMA only when a target with it is chosen:
// - MOBILENET_TARGET_CPU=<cpu> (e.g. native, znver4, haswell) selects one explicitly;
//   MOBILENET_TARGET_CPU=portable selects none.
// - Otherwise a checkout built as the root package on Linux x86-64 uses `native` (the CLI and
//   the tests run where they are built), and a dependency checkout (under .../checkouts/)
//   stays portable: SwiftPM forbids unsafe flags in versioned dependencies, and a library
//   shipped inside someone's app must run on any x86-64 CPU.
let environment = ProcessInfo.processInfo.environment
let isDependencyCheckout = Context.packageDirectory.contains("/checkouts/")
// A cross build for a board (scripts/make/arm-binary.mk) names the target's architecture in
// MOBILENET_TARGET_ARCH (e.g. aarch64): the manifest runs on the build machine, so `arch()` here
// describes that machine, not the target, and `native` would be the build machine's CPU.
let crossArch: String? = environment["MOBILENET_TARGET_ARCH"].flatMap { $0.isEmpty ? nil : $0 }
#if os(Linux) && arch(x86_64)
let defaultTargetCPU: String? = isDependencyCheckout || crossArch != nil ? nil : "native"
#else
let defaultTargetCPU: String? = nil  // Apple silicon and arm64 Linux have FMA in the baseline.
#endif
let targetCPU: String? = {
    guard let requested = environment["MOBILENET_TARGET_CPU"], !requested.isEmpty else { return defaultTargetCPU }
    return requested == "portable" ? nil : requested
}()
// Swift 6.0 (what Debian trixie ships) hands `-target-cpu` to clang as `-mcpu=`, which clang
// refuses for x86-64; there the CPU goes to clang as `-march=`, which sets the same features.
#if compiler(<6.1) && arch(x86_64)
func targetCPUFlags(_ cpu: String) -> [String] {
    crossArch.map { $0 != "x86_64" } == true ? ["-target-cpu", cpu] : ["-Xcc", "-march=\(cpu)"]
}
#else
func targetCPUFlags(_ cpu: String) -> [String] { ["-target-cpu", cpu] }
#endif
let kernelSettings: [SwiftSetting] = targetCPU.map {
    [.unsafeFlags(targetCPUFlags($0) + ["-Xcc", "-fno-math-errno"]), .define("MOBILENET_FMA")]
} ?? []

// Kernel variants of the int8 runtime (docs/ARCHITECTURE.md, "Kernel variants per CPU"), from the
// same target CPU: the 4-way byte dot product (`vpdpbusd`) where the CPU has AVX-512 VNNI (with
// VL) or AVX-VNNI, else the `vpmaddwd` kernels. For `native`, the flags of /proc/cpuinfo decide;
// for a named CPU, LLVM's feature lists (x86 CPUs with AVX2, and those of them with VNNI).
// MOBILENET_KERNELS=madd keeps the `vpmaddwd` kernels on any CPU (A/B benchmarks).
enum KernelISA: String { case avx512vnni, avxvnni, avx2 }
let kernelISA: KernelISA? = {
    guard let cpu = targetCPU else { return nil }
    let cpuFlags: Set<String>
    if cpu == "native" {
        #if os(Linux) && arch(x86_64)
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let line = info.split(separator: "\n").first { $0.hasPrefix("flags") } ?? ""
        cpuFlags = Set(line.split(separator: " ").map(String.init))
        #else
        return nil
        #endif
    } else {
        let avx512VNNI: Set<String> = [
            "cascadelake", "cooperlake", "icelake-client", "icelake-server", "tigerlake", "rocketlake",
            "sapphirerapids", "emeraldrapids", "graniterapids", "graniterapids-d", "znver4", "znver5",
        ]
        let avxVNNI: Set<String> = [
            "alderlake", "raptorlake", "meteorlake", "gracemont", "arrowlake", "arrowlake-s", "lunarlake",
            "pantherlake", "sierraforest", "grandridge", "clearwaterforest",
        ]
        let avx2: Set<String> = [
            "haswell", "broadwell", "skylake", "skylake-avx512", "cannonlake", "kabylake", "coffeelake",
            "cometlake", "znver1", "znver2", "znver3", "x86-64-v3", "x86-64-v4", "bdver4",
        ]
        if avx512VNNI.contains(cpu) { cpuFlags = ["avx2", "avx512_vnni", "avx512vl"] }
        else if avxVNNI.contains(cpu) { cpuFlags = ["avx2", "avx_vnni"] }
        else if avx2.contains(cpu) { cpuFlags = ["avx2"] }
        else { return nil }
    }
    let madd = environment["MOBILENET_KERNELS"] == "madd"
    if !madd && cpuFlags.isSuperset(of: ["avx512_vnni", "avx512vl"]) { return .avx512vnni }
    if !madd && cpuFlags.contains("avx_vnni") { return .avxvnni }
    return cpuFlags.contains("avx2") ? .avx2 : nil
}()
let kernelVariantSettings: [SwiftSetting] = {
    switch kernelISA {
    case .avx512vnni?, .avxvnni?:
        // -Xcc: CDotProduct.h, inlined from Swift, selects the instruction with the same define.
        return [.define("MOBILENET_VNNI"), .define(kernelISA == .avx512vnni ? "MOBILENET_AVX512VNNI" : "MOBILENET_AVXVNNI"),
                .define("MOBILENET_AVX2"), .unsafeFlags(["-Xcc", "-DMOBILENET_VNNI"])]
    case .avx2?:
        return [.define("MOBILENET_AVX2")]
    case nil:
        return []
    }
}()

// The `mobilenet` executable links the Swift runtime and FoundationEssentials statically on
// Linux (see docs/ARCHITECTURE.md, "Memory"): the shared libraries' relocated and touched pages
// cost ~10 MB of resident memory in every command, the static link keeps only what the CLI
// uses. The flag goes to the compiler as well, so that the CLI module records the static
// libraries' own dependencies for the linker. Unsafe flags, so only as the root package.
#if os(Linux)
// A cross build links statically with SwiftPM's --static-swift-stdlib instead, which takes the
// static libraries from the Swift SDK (this flag would look for them in the shared resources),
// and with the SDK's lld (no GNU ld for the target): packed relocations and a static libgcc
// there too; the SDK's sysroot has only libstdc++.a (scripts/arm/setup-swift-sdk.sh).
let staticStdlib: [String] = isDependencyCheckout || crossArch != nil ? [] : ["-static-stdlib"]
let crossLink: [String] = crossArch == nil ? [] : [
    "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs", "-Xclang-linker", "-static-libgcc",
]
// Linked by GNU ld with packed relative relocations (DT_RELR, glibc ≥ 2.36): the static
// runtime's ~40,000 relative relocations otherwise fill a 1 MB table that the dynamic loader
// reads, resident, at every start (lld would also do it, but pulls Foundation and ICU back in
// through a specialization both Foundation libraries define). The C++ library comes from
// libstdc++.a (scripts/link/libstdc++.so, a linker script).
let leanLink: [String] = isDependencyCheckout ? [] : [
    "-use-ld=bfd", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
    "-L", Context.packageDirectory + "/scripts/link", "-Xclang-linker", "-static-libgcc",
]
#else
let staticStdlib: [String] = []  // macOS has the runtime in the OS.
let leanLink: [String] = []
let crossLink: [String] = []
#endif

let package = Package(
    name: "MobileNet",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "MobileNet", targets: ["MobileNet"]),
        // The int8 runtime alone (standard library only; also builds as Embedded Swift), for
        // programs that only run int8 .tflite models.
        .library(name: "MobileNetRuntime", targets: ["MobileNetRuntime"]),
        .library(name: "MobileNetCamera", targets: ["MobileNetCamera"]),
        // The executable is called `mobilenet`; its module is `MobileNetCLI` so that the two
        // source folders do not collide on case-insensitive file systems (macOS).
        .executable(name: "mobilenet", targets: ["MobileNetCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-atomics", from: "1.2.0"),
    ],
    targets: [
        .target(
            name: "MobileNet",
            dependencies: [
                "MobileNetRuntime", "CImageCodecs", "CMemory",
                .product(name: "Atomics", package: "swift-atomics"),
            ],
            swiftSettings: kernelSettings
        ),
        // The int8 engine, its arena planner and the .tflite reading it needs: the Swift standard
        // library alone (no Foundation, Dispatch or Glibc), so that it also compiles as Embedded
        // Swift (the board builds, scripts/make/arm.mk); threads come from the small C target below.
        .target(
            name: "MobileNetRuntime",
            dependencies: ["CRuntimeSupport", "CDotProduct"],
            swiftSettings: kernelSettings + kernelVariantSettings
        ),
        // The 4-way byte dot product of the VNNI GEMM variant: the instruction (inlined from the
        // header, VNNI builds only) and its portable exact emulation (tests).
        .target(name: "CDotProduct"),
        // POSIX threads, a wait gate and atomic counters for the runtime's worker pool.
        .target(name: "CRuntimeSupport"),
        // Image codecs: the system's libjpeg(-turbo) and libpng, behind a small C layer that turns
        // their longjmp error handling into return codes (Images/ImageDecoder.swift).
        .target(name: "CImageCodecs", dependencies: ["CJPEG", "CPNG"]),
        // The C library's allocator settings, which Swift's Glibc module does not expose (malloc.h).
        .target(name: "CMemory"),
        .systemLibrary(
            name: "CJPEG", pkgConfig: "libjpeg",
            providers: [.apt(["libjpeg-dev"]), .brew(["jpeg-turbo"])]
        ),
        .systemLibrary(
            name: "CPNG", pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"]), .brew(["libpng"])]
        ),
        // Frame sources for the supervisor loop (V4L2 camera, image folder, MJPEG/raw stream) and
        // the conversion of a frame straight into a model's input (Sources/MobileNetCamera).
        .target(
            name: "MobileNetCamera",
            dependencies: ["MobileNet", "CV4L2", "CImageCodecs"],
            swiftSettings: kernelSettings
        ),
        // <linux/videodev2.h> and libv4l2, with the variadic v4l2_open/v4l2_ioctl behind
        // fixed-argument inline wrappers (Swift cannot call variadic C functions).
        .systemLibrary(
            name: "CV4L2", pkgConfig: "libv4l2",
            providers: [.apt(["libv4l-dev"])]
        ),
        // bench/capture_bench.sh: frame → model input against one inference.
        .executableTarget(
            name: "CaptureBench",
            dependencies: ["MobileNetCamera", "MobileNet", "CImageCodecs"],
            swiftSettings: kernelSettings
        ),
        // termios (raw 8N1 at a chosen speed) for the daemon's serial output.
        .target(name: "CTermios"),
        // `mobilenet watch`: settings, decisions, line output (stdout, serial), systemd notify
        // and the supervised capture → classify → output loop.
        .target(
            name: "MobileNetDaemon",
            dependencies: ["MobileNet", "MobileNetRuntime", "MobileNetCamera", "CTermios", .product(name: "Atomics", package: "swift-atomics")]
        ),
        .executableTarget(
            name: "MobileNetCLI",
            dependencies: [
                "MobileNet",
                "MobileNetDaemon",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            exclude: ["Resources/README.md"],
            resources: [.copy("Resources/cifar10-mobilenet-a050.safetensors"), .copy("Resources/cifar10-mobilenet-a050-int8.tflite")],
            swiftSettings: staticStdlib.isEmpty ? [] : [.unsafeFlags(staticStdlib)],
            linkerSettings: staticStdlib.isEmpty ? (crossLink.isEmpty ? [] : [.unsafeFlags(crossLink)])
                : [.unsafeFlags(staticStdlib + leanLink)]
        ),
        .testTarget(
            name: "MobileNetTests",
            dependencies: ["MobileNet", "MobileNetRuntime", "CAllocationCounter"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "MobileNetDaemonTests",
            dependencies: ["MobileNetDaemon", "CTermios"],
            exclude: ["Fixtures"]
        ),
        // Counts the C allocator's calls made while counting is switched on (the
        // nothing-allocated-per-frame tests): linked into the test executable, its malloc family
        // takes the place of the C library's and forwards to it.
        .target(name: "CAllocationCounter", path: "Tests/CAllocationCounter"),
        .testTarget(
            name: "MobileNetCameraTests",
            dependencies: ["MobileNetCamera", "MobileNet", "CAllocationCounter"]
        ),
    ]
)
