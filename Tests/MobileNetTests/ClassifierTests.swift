import Foundation
import Testing
import MobileNet

/// `ImageClassifier`: batched top-K equals running each prepared image alone through a session
/// and sorting its probabilities in the test; logits get a softmax; int8 models run quantized.
@Suite struct ClassifierTests {
    static let names = ["ant", "bee", "cat", "dog", "eel", "fox", "gnu"]
    static let model = MobileNetModel.random(
        try! MobileNetArchitecture(MobileNetConfig(alpha: 0.25, height: 32, classes: 7)), seed: 5)

    /// Seeded images of assorted sizes.
    static func images(_ count: Int, seed: UInt64 = 11) -> [RGBImage] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { i in
            let width = 20 + 7 * i, height = 45 - 4 * i
            return try! RGBImage(width: width, height: height,
                                 pixels: (0..<(width * height * 3)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        }
    }

    /// The k best (index, probability) pairs of `probabilities`, sorted here independently.
    static func expectedTop(_ k: Int, _ probabilities: [Float]) -> [(Int, Float)] {
        Array(probabilities.enumerated().sorted { $0.element > $1.element || ($0.element == $1.element && $0.offset < $1.offset) }
            .prefix(k).map { ($0.offset, $0.element) })
    }

    /// One image through its own batch-1 session: the model's raw outputs.
    static func direct(_ graph: InferenceGraph, _ image: RGBImage) throws -> [Float] {
        let input = try ImagePreprocessing(width: 32, height: 32, centralFraction: 0.875).tensor(from: image)
        let session = try InferenceSession(graph: graph, batch: 1)
        return try session.run(Tensor(shape: [1, 32, 32, 3], scalars: input.scalars)).scalars
    }

    /// `images(5)` each run alone through the model.
    static let directOutputs: [[Float]] = {
        let graph = try! InferenceGraph(model)
        return images(5).map { try! direct(graph, $0) }
    }()

    @Test(arguments: [(1, 1), (2, 1), (3, 2), (16, 2)])
    func batchedTopKEqualsSingleImageRuns(batchSize: Int, threads: Int) throws {
        let classifier = try ImageClassifier(model: .float(InferenceGraph(Self.model)), classNames: Self.names,
                                             batchSize: batchSize, threads: threads)
        let results = try classifier.classify(Self.images(5), top: 3)
        #expect(results.count == 5)
        for (output, scores) in zip(Self.directOutputs, results) {
            let expected = Self.expectedTop(3, output)
            #expect(scores.map(\.index) == expected.map(\.0))
            #expect(scores.map(\.label) == expected.map { Self.names[$0.0] })
            for (score, (_, probability)) in zip(scores, expected) {
                #expect(abs(score.probability - probability) <= 1e-6)
            }
        }
    }

    @Test func topKIsCappedAtTheClassCountAndSumsToOne() throws {
        let classifier = try ImageClassifier(model: .float(InferenceGraph(Self.model)), classNames: Self.names)
        let scores = try classifier.classify(Self.images(1), top: 50)[0]
        #expect(scores.count == 7 && Set(scores.map(\.index)) == Set(0..<7))
        #expect(zip(scores, scores.dropFirst()).allSatisfy { $0.probability >= $1.probability })
        #expect(abs(scores.map(\.probability).reduce(0, +) - 1) < 1e-5)
    }

    @Test func logitOutputsGetASoftmax() throws {
        var graph = try InferenceGraph(Self.model)
        #expect(graph.operations.last?.name == "softmax")
        graph.operations.removeLast()
        let classifier = try ImageClassifier(model: .float(graph), batchSize: 2)
        #expect(classifier.classNames == (0..<7).map { "class \($0)" })
        let images = Self.images(3)
        for (image, scores) in zip(images, try classifier.classify(images, top: 7)) {
            let logits = try Self.direct(graph, image).map(Double.init)
            let largest = logits.max()!
            let exps = logits.map { exp($0 - largest) }
            let expected = Self.expectedTop(7, exps.map { Float($0 / exps.reduce(0, +)) })
            #expect(scores.map(\.index) == expected.map(\.0))
            for (score, (_, probability)) in zip(scores, expected) {
                #expect(abs(score.probability - probability) <= 1e-6)
            }
        }
    }

    @Test func tiesGoToTheLowerIndexAndNaNIsLast() {
        let scores = ClassScore.top(4, of: [0.25, Float.nan, 0.5, 0.25], labels: ["a", "b", "c", "d"])
        #expect(scores.map(\.index) == [2, 0, 3, 1])
        #expect(ClassScore.top(0, of: [1], labels: ["a"]).isEmpty)
    }

    @Test func int8ModelsRunQuantized() throws {
        let url = try SharedData.fixture("int8/a020_64x64_c5.tflite")
        guard case .int8(let graph) = try ModelLoader.load(contentsOf: url) else {
            Issue.record("\(url.lastPathComponent) did not load as an int8 model")
            return
        }
        let classifier = try ImageClassifier(contentsOf: url, batchSize: 4)
        let images = Self.images(2, seed: 2)
        let results = try classifier.classify(images, top: 5)
        let session = try QuantizedSession(graph: graph)
        for (image, scores) in zip(images, results) {
            let input = try classifier.preprocessing.tensor(from: image)
            let output = try session.run(Tensor(shape: [1, 64, 64, 3], scalars: input.scalars)).scalars
            let expected = Self.expectedTop(5, output)
            #expect(scores.map(\.index) == expected.map(\.0))
            #expect(scores.map(\.probability) == expected.map(\.1))
        }
    }

    @Test func modelsWithoutAClassifierAreRejected() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("headless-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try MobileNetModel.random(try MobileNetArchitecture(MobileNetConfig(alpha: 0.25, height: 32, includeTop: false)), seed: 1)
            .write(to: url)
        #expect(throws: MobileNetError.unsupported(
            "\(url.lastPathComponent) has no classifier (include_top is false): it outputs features, not classes")) {
            try ImageClassifier(contentsOf: url)
        }
        // A graph whose output is a feature map rather than one score per class.
        var graph = try InferenceGraph(MobileNetModel.random(
            try MobileNetArchitecture(MobileNetConfig(alpha: 0.25, height: 64, includeTop: false)), seed: 1))
        #expect(graph.operations.last?.name == "mean")
        graph.operations.removeLast()
        #expect(throws: MobileNetError.unsupported(
            "cut outputs [2, 2, 256] per image, not one score per class (a model without its classifier?)")) {
            try ImageClassifier(model: .float(graph), source: "cut")
        }
    }
}
