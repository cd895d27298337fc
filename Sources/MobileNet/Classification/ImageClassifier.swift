#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Classifies images with any model the engines run (our safetensors models and checkpoints,
/// float and int8 `.tflite` files): prepares each image as the model expects
/// (`ClassifierPreprocessing`), runs them in batches and returns each image's most probable
/// classes by name. Outputs of a model whose last operation is not a softmax are taken as
/// logits and turned into probabilities with a softmax.
///
/// Not thread-safe (it owns one engine session); batches use `threads` threads both for
/// decoding and preparing images and for the network.
public final class ImageClassifier {
    /// One name per output class.
    public let classNames: [String]
    public let preprocessing: ClassifierPreprocessing
    /// Images per network run.
    public let batchSize: Int
    private let engine: ClassifierEngine
    private let endsWithSoftmax: Bool
    private let parallel: ParallelFor

    /// Opens the model file at `url` (`.safetensors` or `.tflite`). Class names come from
    /// `labelsFile` (see `ClassLabels.read`) when given, else the model's `class_names`
    /// metadata, else `class 0`, `class 1`, …; `normalization` overrides the model's (see
    /// `ClassifierPreprocessing`). Throws one-line errors naming the file at fault.
    public convenience init(contentsOf url: URL, labelsFile: URL? = nil, normalization: PixelNormalization? = nil,
                            batchSize: Int = 16, threads: Int = 1) throws {
        let file = try ModelFile(contentsOf: url)
        if let weights = file.weights, !weights.architecture.config.includeTop {
            throw MobileNetError.unsupported("\(url.lastPathComponent) has no classifier (include_top is false): it outputs features, not classes")
        }
        try self.init(model: file.model, classNames: file.classNames, recordedPreprocessing: file.preprocessing, labelsFile: labelsFile,
                      normalization: normalization, batchSize: batchSize, threads: threads, source: url.lastPathComponent)
    }

    /// A classifier for a loaded model; `classNames` and `recordedPreprocessing` are what its
    /// file records (nil when nothing), the other arguments as for `init(contentsOf:…)`;
    /// `source` names the model in errors.
    public init(model: LoadedModel, classNames: [String]? = nil, recordedPreprocessing: ImagePreprocessing? = nil,
                labelsFile: URL? = nil, normalization: PixelNormalization? = nil,
                batchSize: Int = 16, threads: Int = 1, source: String = "model") throws {
        guard (1...4096).contains(batchSize) else {
            throw MobileNetError.invalidArgument("batch size \(batchSize) outside 1...4096")
        }
        guard (1...256).contains(threads) else {
            throw MobileNetError.invalidArgument("threads \(threads) outside 1...256")
        }
        let (engine, endsWithSoftmax) = try ClassifierEngine.make(model, batch: batchSize, threads: threads)
        let input = engine.inputShape, output = engine.outputShape
        guard input.count == 3, input[2] == 3 else {
            throw MobileNetError.unsupported("\(source) takes \(input.shapeDescription) inputs, not RGB images [H, W, 3]")
        }
        guard let classes = output.last, output.dropLast().allSatisfy({ $0 == 1 }) else {
            throw MobileNetError.unsupported(
                "\(source) outputs \(output.shapeDescription) per image, not one score per class (a model without its classifier?)")
        }
        if let labelsFile {
            self.classNames = try ClassLabels.read(contentsOf: labelsFile, expectedCount: classes)
        } else if let classNames {
            guard classNames.count == classes else {
                throw MobileNetError.malformed(format: "model file \(source)",
                                               reason: "\(classNames.count) class names for \(classes) classes")
            }
            self.classNames = classNames
        } else {
            self.classNames = ClassLabels.numbered(classes)
        }
        preprocessing = try ClassifierPreprocessing(width: input[1], height: input[0], recorded: recordedPreprocessing,
                                                    normalization: normalization)
        self.engine = engine
        self.endsWithSoftmax = endsWithSoftmax
        self.batchSize = batchSize
        parallel = ParallelFor(threads: threads)
    }

    /// The class probabilities of prepared inputs [N, H, W, 3]: [N, classes].
    public func probabilities(_ inputs: Tensor<Float>) throws -> Tensor<Float> {
        let output = try engine.run(inputs)
        let classes = classNames.count
        var scalars = output.scalars
        if !endsWithSoftmax {
            for row in 0..<(scalars.count / classes) { Self.softmax(&scalars[(row * classes)..<((row + 1) * classes)]) }
        }
        return try Tensor(shape: [output.shape[0], classes], scalars: scalars)
    }

    /// The `k` most probable classes of each image, in batches of `batchSize`.
    public func classify(_ images: [RGBImage], top k: Int) throws -> [[ClassScore]] {
        var results: [[ClassScore]] = []
        for start in stride(from: 0, to: images.count, by: batchSize) {
            let batch = images[start..<min(start + batchSize, images.count)]
            var inputs = [Float](repeating: 0, count: batch.count * preprocessing.floatsPerImage)
            try inputs.withUnsafeMutableBufferPointer { buffer in
                for (index, image) in batch.enumerated() {
                    try preprocessing.write(image, into: slot(buffer, index))
                }
            }
            results += try top(k, of: inputs, count: batch.count)
        }
        return results
    }

    /// Decodes, prepares and classifies image files, `batchSize` at a time (decoding on the
    /// classifier's threads), calling `report` after each batch with its files' outcomes in
    /// order. A file that cannot be decoded gets its error and the others go on; errors of the
    /// network itself are thrown.
    public func classify(files: [URL], top k: Int, limits: ImageDecodingLimits = .init(),
                         report: ([FileClassification]) throws -> Void) throws {
        for start in stride(from: 0, to: files.count, by: batchSize) {
            let batch = Array(files[start..<min(start + batchSize, files.count)])
            var inputs = [Float](repeating: 0, count: batch.count * preprocessing.floatsPerImage)
            var failures = [MobileNetError?](repeating: nil, count: batch.count)
            inputs.withUnsafeMutableBufferPointer { buffer in
                failures.withUnsafeMutableBufferPointer { failures in
                    parallel(0..<batch.count) { range in
                        for index in range {
                            do {
                                try preprocessing.write(ImageDecoder.decode(contentsOf: batch[index], limits: limits),
                                                        into: slot(buffer, index))
                            } catch {
                                failures[index] = error as? MobileNetError ?? .io("\(batch[index].path): \(error)")
                            }
                        }
                    }
                }
            }
            let decoded = batch.indices.filter { failures[$0] == nil }
            if decoded.count < batch.count {
                inputs = decoded.flatMap { inputs[($0 * preprocessing.floatsPerImage)..<(($0 + 1) * preprocessing.floatsPerImage)] }
            }
            var scores = try top(k, of: inputs, count: decoded.count)[...]
            try report(batch.indices.map { index in
                if let failure = failures[index] { return FileClassification(file: batch[index], result: .failure(failure)) }
                return FileClassification(file: batch[index], result: .success(scores.removeFirst()))
            })
        }
    }

    /// Image `index`'s part of a batch of prepared inputs.
    private func slot(_ buffer: UnsafeMutableBufferPointer<Float>, _ index: Int) -> UnsafeMutableBufferPointer<Float> {
        let n = preprocessing.floatsPerImage
        return UnsafeMutableBufferPointer(rebasing: buffer[(index * n)..<((index + 1) * n)])
    }

    /// Runs `count` prepared images and takes each one's `k` most probable classes.
    private func top(_ k: Int, of inputs: [Float], count: Int) throws -> [[ClassScore]] {
        guard count > 0 else { return [] }
        let input = try Tensor(shape: [count, preprocessing.height, preprocessing.width, 3], scalars: inputs)
        let probabilities = try probabilities(input).scalars
        let classes = classNames.count
        return (0..<count).map {
            ClassScore.top(k, of: probabilities[($0 * classes)..<(($0 + 1) * classes)], labels: classNames)
        }
    }

    /// `exp(x − max) / Σ exp(x − max)` in place.
    private static func softmax(_ values: inout ArraySlice<Float>) {
        guard let largest = values.max(), largest.isFinite else { return }
        var sum: Float = 0
        for i in values.indices {
            values[i] = expf(values[i] - largest)
            sum += values[i]
        }
        for i in values.indices { values[i] /= sum }
    }
}
