import Foundation
import Testing
import MobileNet

/// `ClassifierPreprocessing`: a model that records its training preprocessing gets exactly the
/// tensor the trainer built (decoded into a `DecodedImageSet` at the stored size, then a
/// `BatchLoader` in evaluation mode), and that tensor matches an independent bilinear resize
/// written here; other models get the crop + resize + preset of `ImagePreprocessing`.
@Suite struct ClassifierPreprocessingTests {
    static let normalization = try! PixelNormalization(mean: [0.49, 0.48, 0.44], std: [0.24, 0.24, 0.26])
    static let recorded = ImagePreprocessing(width: 32, height: 32, centralFraction: 1, normalization: normalization)

    /// What the trainer feeds the network for the files in `root/<class>/`: dataset order.
    static func trainerInputs(_ root: URL, resolution: Int, normalization: PixelNormalization) throws -> [[Float]] {
        let images = try DecodedImageSet(decoding: ImageFolderDataset(root: root), storageSize: 32)
        let transform = try ImageTransform(resolution: resolution, normalization: normalization)
        let loader = try BatchLoader(images: images, transform: transform, mode: .evaluation, batchSize: images.count, prefetch: 1)
        let batch = try #require(loader.next())
        let n = transform.floatsPerImage
        return (0..<images.count).map { Array(batch.images[($0 * n)..<(($0 + 1) * n)]) }
    }

    /// A folder `class/` holding copies of `files`, in a new temporary folder.
    static func dataset(_ files: [URL]) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("classifier-\(UUID().uuidString)")
        let folder = root.appendingPathComponent("class")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for file in files { try FileManager.default.copyItem(at: file, to: folder.appendingPathComponent(file.lastPathComponent)) }
        return root
    }

    @Test(.enabled(if: SharedData.required))
    func recordedPreprocessingEqualsTheTrainers() throws {
        // A 32x32 CIFAR JPEG (kept as decoded) and a 96x96 PNG (resized to the stored 32x32 first).
        let files = try ["cat_0007.jpg", "person.png"].map { try SharedData.url("golden/images/\($0)") }
        let root = try Self.dataset(files)
        defer { try? FileManager.default.removeItem(at: root) }
        for override in [nil, NormalizationPreset.tf.normalization] {
            let normalization = override ?? Self.normalization
            let expected = try Self.trainerInputs(root, resolution: 64, normalization: normalization)
            let preprocessing = try ClassifierPreprocessing(width: 64, height: 64, recorded: Self.recorded, normalization: override)
            #expect(preprocessing.normalization == normalization && preprocessing.storedWidth == 32)
            for (file, trainer) in zip(files, expected) {
                let tensor = try preprocessing.tensor(from: ImageDecoder.decode(contentsOf: file))
                #expect(tensor.shape == [64, 64, 3])
                #expect(tensor.scalars == trainer, "\(file.lastPathComponent)")
            }
        }
    }

    @Test(.enabled(if: SharedData.required))
    func storedSizeImageIsUpsampledBilinearly() throws {
        let image = try ImageDecoder.decode(contentsOf: SharedData.url("golden/images/cat_0007.jpg"))
        try #require(image.width == 32 && image.height == 32)
        let tensor = try ClassifierPreprocessing(width: 64, height: 64, recorded: Self.recorded).tensor(from: image)
        // PyTorch F.interpolate(bilinear, align_corners=False) 32 → 64, then (v/255 − mean)/std.
        func source(_ o: Int) -> (Int, Int, Double) {
            let x = max(0, (Double(o) + 0.5) * 0.5 - 0.5)
            let low = Int(x.rounded(.down))
            return (low, min(low + 1, 31), x - Double(low))
        }
        var largest = 0.0
        for y in 0..<64 {
            let (y0, y1, wy) = source(y)
            for x in 0..<64 {
                let (x0, x1, wx) = source(x)
                for c in 0..<3 {
                    func p(_ yy: Int, _ xx: Int) -> Double { Double(image.pixels[(yy * 32 + xx) * 3 + c]) }
                    let v = (1 - wy) * ((1 - wx) * p(y0, x0) + wx * p(y0, x1)) + wy * ((1 - wx) * p(y1, x0) + wx * p(y1, x1))
                    let expected = (v / 255 - Double(Self.normalization.mean[c])) / Double(Self.normalization.std[c])
                    largest = max(largest, abs(Double(tensor.scalars[(y * 64 + x) * 3 + c]) - expected))
                }
            }
        }
        #expect(largest < 1e-4)
    }

    @Test func modelsWithoutRecordedPreprocessingCropResizeAndNormalise() throws {
        var rng = SeededGenerator(seed: 4)
        let image = try RGBImage(width: 50, height: 38, pixels: (0..<(50 * 38 * 3)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        for (preset, expectedNormalization) in [(nil, NormalizationPreset.tf), (.unit, .unit)] as [(NormalizationPreset?, NormalizationPreset)] {
            let preprocessing = try ClassifierPreprocessing(width: 24, height: 20, recorded: nil, normalization: preset?.normalization)
            #expect(preprocessing.centralFraction == 0.875 && preprocessing.storedWidth == nil)
            let expected = try ImagePreprocessing(width: 24, height: 20, centralFraction: 0.875,
                                                  normalization: expectedNormalization.normalization).tensor(from: image)
            #expect(try preprocessing.tensor(from: image).scalars == expected.scalars)
        }
    }

    @Test func recordedPreprocessingNeedsASquareInput() {
        #expect(throws: MobileNetError.self) {
            try ClassifierPreprocessing(width: 64, height: 48, recorded: Self.recorded)
        }
    }
}
