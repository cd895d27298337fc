import Foundation
import Testing

import MobileNet

/// Resizing against Pillow's `Image.resize(..., BILINEAR)` (Fixtures/images/expected.safetensors),
/// cropping and normalization against direct formulas.
@Suite struct ImagePreprocessingTests {
    /// Pillow rounds to 8 bits after each pass and uses fixed-point weights; the float
    /// resampler does neither, so it may differ from Pillow by up to one level (never more).
    static let pillowTolerance: Float = 1.0

    static func expectClose(_ resized: Tensor<Float>, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let reference = try ImageDecoderTests.expectedImage(name)
        #expect(resized.shape == [reference.height, reference.width, 3], sourceLocation: sourceLocation)
        guard resized.count == reference.pixels.count else { return }
        let difference = zip(resized.scalars, reference.pixels).map { abs($0 - Float($1)) }.max() ?? 0
        #expect(difference <= pillowTolerance, "\(name): differs from Pillow by up to \(difference)",
                sourceLocation: sourceLocation)
    }

    @Test(arguments: [(10, 7), (40, 30), (8, 26), (21, 13)])
    func resizeMatchesPillow(width: Int, height: Int) throws {
        let source = try ImageDecoder.decode(contentsOf: ImageDecoderTests.fixture("rgb8.png"))
        try Self.expectClose(source.resized(width: width, height: height), "resize_\(width)x\(height)")
    }

    /// 61x47 to 7x5 shrinks by almost 9: the triangle spans ~17 input pixels per output pixel.
    @Test(arguments: [(7, 5), (16, 16), (64, 20)])
    func strongResizeMatchesPillow(width: Int, height: Int) throws {
        let source = try ImageDecoder.decode(contentsOf: ImageDecoderTests.fixture("big.png"))
        try Self.expectClose(source.resized(width: width, height: height), "big_\(width)x\(height)")
    }

    @Test(arguments: [(0.875, 12, 12), (0.5, 9, 11)])
    func cropThenResizeMatchesPillow(fraction: Double, width: Int, height: Int) throws {
        let source = try ImageDecoder.decode(contentsOf: ImageDecoderTests.fixture("big.png"))
        let cropped = try source.centerCropped(fraction: fraction)
        try Self.expectClose(cropped.resized(width: width, height: height), "crop_\(fraction)_\(width)x\(height)")
    }

    @Test func sameSizeResizeIsExact() throws {
        let source = try ImageDecoder.decode(contentsOf: ImageDecoderTests.fixture("rgb8.png"))
        #expect(try source.resized(width: 21, height: 13).scalars == source.pixels.map(Float.init))
    }

    /// A constant image stays constant at any size (the weights of every output sum to 1).
    @Test func constantImageStaysConstant() throws {
        let image = try RGBImage(width: 37, height: 5, pixels: Array(repeating: [200, 100, 7], count: 37 * 5).flatMap { $0 })
        for (width, height) in [(3, 2), (100, 9), (37, 1), (1, 40)] {
            let resized = try image.resized(width: width, height: height)
            for (i, value) in resized.scalars.enumerated() {
                #expect(abs(value - [200, 100, 7][i % 3]) < 1e-3)
            }
        }
    }

    @Test func centerCropFollowsTensorFlowRounding() throws {
        let pixels = (0..<(10 * 7 * 3)).map { UInt8($0 % 256) }
        let image = try RGBImage(width: 10, height: 7, pixels: pixels)
        // tf.image.central_crop(0.875): offsets floor((10 - 8.75) / 2) = 0 and floor((7 - 6.125) / 2) = 0.
        #expect(try image.centerCropped(fraction: 0.875) == image)
        // 0.5: offsets floor(2.5) = 2 and floor(1.75) = 1, so 6x5 from (2, 1).
        let half = try image.centerCropped(fraction: 0.5)
        #expect(half.width == 6 && half.height == 5)
        #expect(Array(half.pixels[0..<3]) == Array(pixels[((1 * 10) + 2) * 3..<((1 * 10) + 2) * 3 + 3]))
        #expect(Array(half.pixels.suffix(3)) == Array(pixels[((5 * 10) + 7) * 3..<((5 * 10) + 7) * 3 + 3]))
    }

    /// Each preset against its formula on 0...255 values (no resize: size and crop are identity).
    @Test(arguments: NormalizationPreset.allCases)
    func presetsFollowTheirFormulas(preset: NormalizationPreset) throws {
        var generator = SeededGenerator(seed: 11)
        let pixels = (0..<(5 * 4 * 3)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let image = try RGBImage(width: 5, height: 4, pixels: pixels)
        let tensor = try ImagePreprocessing(width: 5, height: 4, centralFraction: 1, normalization: preset.normalization)
            .tensor(from: image)
        #expect(tensor.shape == [4, 5, 3])
        for p in 0..<20 {
            let (r, g, b) = (Float(pixels[3 * p]), Float(pixels[3 * p + 1]), Float(pixels[3 * p + 2]))
            let expected: [Float]
            switch preset {
            case .tf: expected = [r / 127.5 - 1, g / 127.5 - 1, b / 127.5 - 1]
            case .torch: expected = [(r / 255 - 0.485) / 0.229, (g / 255 - 0.456) / 0.224, (b / 255 - 0.406) / 0.225]
            case .caffe: expected = [b - 103.939, g - 116.779, r - 123.68]
            case .unit: expected = [r / 255, g / 255, b / 255]
            }
            for c in 0..<3 {
                let value = tensor.scalars[3 * p + c]
                #expect(abs(value - expected[c]) <= 1e-5 * max(1, abs(expected[c])), "\(preset) pixel \(p) channel \(c)")
            }
        }
    }

    @Test func customNormalizationAndFullPipeline() throws {
        let source = try ImageDecoder.decode(contentsOf: ImageDecoderTests.fixture("big.png"))
        let normalization = try PixelNormalization(mean: [0.25, 0.5, 0.75], std: [0.5, 0.25, 0.125], channelOrder: .bgr)
        let preprocessing = ImagePreprocessing(width: 12, height: 12, centralFraction: 0.875, normalization: normalization)
        let tensor = try preprocessing.tensor(from: source)
        let reference = try ImageDecoderTests.expectedImage("crop_0.875_12x12")
        let mean: [Float] = [0.25, 0.5, 0.75], std: [Float] = [0.5, 0.25, 0.125]
        for p in 0..<(12 * 12) {
            for c in 0..<3 {
                let rgb = 2 - c  // BGR output
                let expected = (Float(reference.pixels[3 * p + rgb]) / 255 - mean[rgb]) / std[rgb]
                // One level of Pillow's rounding, in normalized units.
                #expect(abs(tensor.scalars[3 * p + c] - expected) <= Self.pillowTolerance / (255 * std[rgb]) + 1e-5)
            }
        }
    }

    @Test func invalidArguments() throws {
        let image = try RGBImage(width: 4, height: 4, pixels: Array(repeating: 9, count: 48))
        #expect(throws: MobileNetError.self) { try image.centerCropped(fraction: 0) }
        #expect(throws: MobileNetError.self) { try image.centerCropped(fraction: 1.5) }
        #expect(throws: MobileNetError.self) { try image.resized(width: 0, height: 3) }
        #expect(throws: MobileNetError.self) { try PixelNormalization(mean: [0, 0, 0], std: [1, 0, 1]) }
        #expect(throws: MobileNetError.self) { try PixelNormalization(mean: [0, 0], std: [1, 1]) }
        #expect(NormalizationPreset(rawValue: "caffe") == .caffe)
    }
}
