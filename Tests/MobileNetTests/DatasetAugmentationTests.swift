import Foundation
import Testing
import MobileNet

/// The augmentation and input transform against a direct reference written from torchvision's
/// definitions: pad with NumPy "reflect" (built as a padded image), crop, reverse the columns,
/// scale to [0, 1] and normalise, then PyTorch's bilinear formula (align_corners=False) in
/// Double with four taps per output pixel. And against PyTorch itself
/// (scripts/fixtures/make_augmentation_fixture.py).
@Suite struct DatasetAugmentationTests {
    /// A random `width`×`height` RGB image and a one-image set holding it.
    static func randomImage(width: Int, height: Int, seed: UInt64) throws -> DecodedImageSet {
        var rng = SeededGenerator(seed: seed)
        let pixels = (0..<width * height * 3).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        return try DecodedImageSet(images: [RGBImage(width: width, height: height, pixels: pixels)],
                                   labels: [0], classNames: ["only"])
    }

    /// torchvision's pipeline on one image, directly: `paddedTop`/`paddedLeft` index the image
    /// padded by `padding` on every side, as `RandomCrop` draws them.
    static func reference(_ set: DecodedImageSet, padding: Int, paddedTop: Int, paddedLeft: Int,
                          cropHeight: Int, cropWidth: Int, flip: Bool, resolution: Int,
                          statistics: PixelNormalization) -> [Float] {
        let w = set.width, h = set.height
        func mirror(_ i: Int, _ n: Int) -> Int { i < 0 ? -i : (i >= n ? 2 * (n - 1) - i : i) }
        // Padded image, then the crop, then the flip, as [y][x][c] in [0, 1] normalised.
        let pw = w + 2 * padding, ph = h + 2 * padding
        var padded = [[Double]](repeating: [], count: ph)
        for y in 0..<ph {
            for x in 0..<pw {
                let sy = mirror(y - padding, h), sx = mirror(x - padding, w)
                for c in 0..<3 { padded[y].append(Double(set.pixels[(sy * w + sx) * 3 + c])) }
            }
        }
        var crop = [[Double]](repeating: [Double](repeating: 0, count: cropWidth * 3), count: cropHeight)
        for y in 0..<cropHeight {
            for x in 0..<cropWidth {
                let sx = flip ? cropWidth - 1 - x : x
                for c in 0..<3 {
                    let v = padded[paddedTop + y][(paddedLeft + sx) * 3 + c] / 255
                    crop[y][x * 3 + c] = (v - Double(statistics.mean[c])) / Double(statistics.std[c])
                }
            }
        }
        func source(_ o: Int, _ input: Int) -> (Int, Int, Double) {
            let x = max(0, (Double(o) + 0.5) * Double(input) / Double(resolution) - 0.5)
            let i0 = Int(x.rounded(.down))
            return (i0, Swift.min(i0 + 1, input - 1), x - Double(i0))
        }
        var out: [Float] = []
        for oy in 0..<resolution {
            let (y0, y1, ly) = source(oy, cropHeight)
            for ox in 0..<resolution {
                let (x0, x1, lx) = source(ox, cropWidth)
                for c in 0..<3 {
                    let v = (1 - ly) * ((1 - lx) * crop[y0][x0 * 3 + c] + lx * crop[y0][x1 * 3 + c])
                        + ly * ((1 - lx) * crop[y1][x0 * 3 + c] + lx * crop[y1][x1 * 3 + c])
                    out.append(Float(v))
                }
            }
        }
        return out
    }

    static func transformed(_ set: DecodedImageSet, _ window: CropWindow, resolution: Int,
                            statistics: PixelNormalization) throws -> [Float] {
        let transform = try ImageTransform(resolution: resolution, normalization: statistics)
        var out = [Float](repeating: .nan, count: transform.floatsPerImage)
        try out.withUnsafeMutableBufferPointer { try transform.apply(set, index: 0, window: window, into: $0) }
        return out
    }

    static let statistics = try! PixelNormalization(mean: [0.49, 0.48, 0.45], std: [0.25, 0.24, 0.26])

    @Test(arguments: [
        // (width, height, padding, paddedTop, paddedLeft, crop, flip, resolution)
        (8, 8, 2, 0, 0, 8, false, 16),    // corner of the padding, 2× upsampling
        (8, 8, 2, 4, 3, 8, true, 16),     // bottom-right padding, flipped
        (8, 8, 2, 2, 2, 8, false, 8),     // the image itself: identity resize
        (9, 7, 3, 1, 5, 6, true, 13),     // odd sizes, non-integer scale
        (12, 10, 0, 2, 3, 5, false, 3),   // downsampling (no antialias)
        (6, 6, 5, 0, 10, 4, true, 7),     // padding up to side − 1: crop entirely in the mirror
    ])
    func cropFlipResizeMatchesTorchvisionDefinition(_ c: (Int, Int, Int, Int, Int, Int, Bool, Int)) throws {
        let (w, h, p, top, left, s, flip, r) = c
        let set = try Self.randomImage(width: w, height: h, seed: UInt64(w * 100 + top * 10 + left))
        let window = CropWindow(top: top - p, left: left - p, height: s, width: s, flipped: flip)
        let ours = try Self.transformed(set, window, resolution: r, statistics: Self.statistics)
        let reference = Self.reference(set, padding: p, paddedTop: top, paddedLeft: left, cropHeight: s,
                                       cropWidth: s, flip: flip, resolution: r, statistics: Self.statistics)
        let difference = zip(ours, reference).map { abs($0 - $1) }.max() ?? .nan
        #expect(difference < 2e-5, "max difference \(difference)")
    }

    /// PyTorch 2.13's `F.pad(mode="reflect")`, slicing, `flip(-1)`, normalisation and
    /// `F.interpolate(mode="bilinear", align_corners=False)` (torchvision's crop and flip on tensors).
    @Test func matchesPyTorchFixture() throws {
        let fixture = try SafeTensors(contentsOf: SharedData.fixture("augmentation/augmentation.safetensors"))
        func floats(_ key: String) -> [Float] { fixture.metadata[key]!.split(separator: ",").map { Float($0)! } }
        let statistics = try PixelNormalization(mean: floats("mean"), std: floats("std"))
        var cases = 0
        while let parameters = fixture.metadata["case\(cases)"] {
            let p = parameters.split(separator: ",").map { Int($0)! }
            let (padding, i, j, cropHeight, cropWidth, flip, resolution) = (p[0], p[1], p[2], p[3], p[4], p[5] == 1, p[6])
            let image = try fixture.floatTensor("case\(cases).image")
            let set = try DecodedImageSet(
                images: [RGBImage(width: image.shape[1], height: image.shape[0], pixels: image.scalars.map { UInt8($0) })],
                labels: [0], classNames: ["only"])
            let window = CropWindow(top: i - padding, left: j - padding, height: cropHeight, width: cropWidth, flipped: flip)
            let ours = try Self.transformed(set, window, resolution: resolution, statistics: statistics)
            let torch = try fixture.floatTensor("case\(cases).output")
            #expect(torch.shape == [resolution, resolution, 3])
            let difference = zip(ours, torch.scalars).map { abs($0 - $1) }.max() ?? .nan
            #expect(difference < 1e-5, "case\(cases) (\(parameters)): max difference \(difference)")
            cases += 1
        }
        #expect(cases == 6)
    }

    @Test func evaluationWindowResizesTheWholeNonSquareImage() throws {
        let set = try Self.randomImage(width: 11, height: 6, seed: 7)
        let ours = try Self.transformed(set, .whole(width: 11, height: 6), resolution: 9, statistics: Self.statistics)
        let reference = Self.reference(set, padding: 0, paddedTop: 0, paddedLeft: 0, cropHeight: 6, cropWidth: 11,
                                       flip: false, resolution: 9, statistics: Self.statistics)
        #expect(zip(ours, reference).map { abs($0 - $1) }.max()! < 2e-5)
    }

    @Test func identityTransformIsPlainNormalisation() throws {
        let set = try Self.randomImage(width: 5, height: 5, seed: 3)
        let ours = try Self.transformed(set, .whole(width: 5, height: 5), resolution: 5, statistics: Self.statistics)
        for (i, byte) in set.pixels.enumerated() {
            let c = i % 3
            let expected = (Float(byte) / 255 - Self.statistics.mean[c]) / Self.statistics.std[c]
            #expect(abs(ours[i] - expected) < 1e-5)
        }
    }

    @Test func windowsCoverThePaddedRangeAndFlipHalfTheTime() {
        let augmentation = TrainingAugmentation(cropSize: 32, padding: 4)
        var tops = Set<Int>(), lefts = Set<Int>(), flips = 0
        for position in 0..<2000 {
            var generator = EpochRandomness.sampleGenerator(seed: 1, epoch: 0, position: position)
            let window = augmentation.window(width: 32, height: 32, generator: &generator)
            tops.insert(window.top)
            lefts.insert(window.left)
            flips += window.flipped ? 1 : 0
            #expect(window.height == 32 && window.width == 32)
        }
        #expect(tops == Set(-4...4) && lefts == Set(-4...4))
        #expect((900...1100).contains(flips))
        var generator = SeededGenerator(seed: 5)
        let fixed = TrainingAugmentation(cropSize: 32, padding: 0, horizontalFlip: false)
        #expect(fixed.window(width: 32, height: 32, generator: &generator) == .whole(width: 32, height: 32))
    }

    @Test(arguments: [
        (TrainingAugmentation(cropSize: 32, padding: 32), "reflect padding 32 needs images wider and taller"),
        (TrainingAugmentation(cropSize: 41, padding: 4), "crop 41x41 larger than 32x32 images padded by 4"),
        (TrainingAugmentation(cropSize: 0, padding: 4), "crop size 0"),
    ])
    func invalidAugmentationsAreOneLineErrors(_ c: (TrainingAugmentation, String)) {
        #expect { try c.0.validate(width: 32, height: 32) } throws: { "\($0)".contains(c.1) && !"\($0)".contains("\n") }
    }

    @Test func bgrNormalizationWritesTheChannelsReversed() throws {
        let set = try Self.randomImage(width: 7, height: 5, seed: 8)
        let window = CropWindow(top: -1, left: 2, height: 4, width: 4, flipped: true)
        let bgr = try PixelNormalization(mean: Self.statistics.mean, std: Self.statistics.std, channelOrder: .bgr)
        let rgbOut = try Self.transformed(set, window, resolution: 6, statistics: Self.statistics)
        let bgrOut = try Self.transformed(set, window, resolution: 6, statistics: bgr)
        let reversed = (0..<rgbOut.count).map { (i: Int) -> Float in rgbOut[i - i % 3 + (2 - i % 3)] }
        #expect(bgrOut == reversed)
    }

    @Test func trainingSetStatisticsMatchDirectSums() throws {
        var rng = SeededGenerator(seed: 11)
        let images = try (0..<3).map { _ in
            try RGBImage(width: 4, height: 3, pixels: (0..<36).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        }
        let set = try DecodedImageSet(images: images, labels: [0, 1, 0], classNames: ["a", "b"])
        let statistics = try PixelNormalization(statisticsOf: set)
        for c in 0..<3 {
            let values = stride(from: c, to: set.pixels.count, by: 3).map { Double(set.pixels[$0]) / 255 }
            let mean = values.reduce(0, +) / Double(values.count)
            let std = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
            #expect(abs(Double(statistics.mean[c]) - mean) < 1e-6)
            #expect(abs(Double(statistics.std[c]) - std) < 1e-6)
        }
        #expect(statistics.channelOrder == .rgb)
        let constant = try DecodedImageSet(images: [RGBImage(width: 1, height: 1, pixels: [9, 9, 9])],
                                           labels: [0], classNames: ["a"])
        #expect(try PixelNormalization(statisticsOf: constant).std == [1, 1, 1])
    }
}
