/// The kernel variants of this build, named as XNNPACK names its micro-kernels (operation, data
/// type, tile, instruction set), chosen when building for a target CPU: Package.swift defines
/// `MOBILENET_AVX512VNNI` or `MOBILENET_AVXVNNI` (with `MOBILENET_VNNI`) for CPUs with a 4-way
/// byte dot product, `MOBILENET_AVX2` for other AVX2 targets (see docs/ARCHITECTURE.md, "Kernel
/// variants per CPU"); aarch64 builds run the NEON kernels, with `sdot` where the board's CPU
/// has the dot product (`MOBILENET_DOTPROD`, from BOARD_FEATURES in scripts/make/arm.mk).
/// `bench` reports them.
public enum KernelVariants {
    /// The instruction set of the `vpmaddwd` kernels (VNNI CPUs run them as AVX2).
    #if MOBILENET_AVX2
    static let maddInstructionSet = "avx2"
    #elseif arch(x86_64)
    static let maddInstructionSet = "sse2"
    #else
    static let maddInstructionSet = "simd128"
    #endif

    /// The instruction set of the dot-product kernels, in VNNI builds.
    #if MOBILENET_AVX512VNNI
    static let dotInstructionSet = "avx512vnni"
    #elseif MOBILENET_AVXVNNI
    static let dotInstructionSet = "avxvnni"
    #endif

    /// The matrix product's micro-kernel (1x1 and full convolutions, fully connected layers).
    #if MOBILENET_VNNI
    public static let gemm = "qs8-gemm-6x16c4-\(dotInstructionSet)"
    #elseif MOBILENET_DOTPROD
    public static let gemm = "qs8-gemm-4x16c4-neondot"  // QS8GEMM4x16c4NEONDOT
    #elseif arch(arm64)
    public static let gemm = "qs8-gemm-2x16c4-neon-mlal"  // QS8GEMM2x16c4NEONMLAL
    #else
    public static let gemm = "qs8-gemm-6x16-\(maddInstructionSet)-madd"
    #endif

    /// The 3x3 depthwise convolution's kernel (tap pairs through `multiplyAddPairs`; on aarch64
    /// `smull` + `smlal` pairs, QS8DWConv3x3NEONMLAL).
    #if arch(arm64)
    public static let depthwise = "qs8-dwconv-3x3-neon-mlal"
    #else
    public static let depthwise = "qs8-dwconv-3x3-\(maddInstructionSet)-madd"
    #endif

    /// Every variant above, for reports.
    public static var all: [String] { [gemm, depthwise] }
}

/// The matrix product the interpreter runs in this build.
#if MOBILENET_VNNI
typealias SelectedGEMM = QuantizedGEMMDot4<HardwareDot4>
#elseif MOBILENET_DOTPROD
typealias SelectedGEMM = QuantizedGEMMDot4<NEONDot4>
#elseif arch(arm64)
typealias SelectedGEMM = QuantizedGEMMDot4<NEONPairedDot4>
#else
typealias SelectedGEMM = QuantizedGEMM
#endif

extension QuantizedGEMM {
    /// The im2col rows of output pixels `pixels`, int16 minus the zero point (`I8Im2Col`).
    func fillIm2Col(input: UnsafePointer<Int8>, geometry: ConvGeometry, pixels: Range<Int>,
                    into a: UnsafeMutablePointer<Int16>) {
        I8Im2Col.fill(input: input, geometry: geometry, zeroPoint: inputZeroPoint, pixels: pixels,
                      rowStride: rowStride, into: a)
    }
}
