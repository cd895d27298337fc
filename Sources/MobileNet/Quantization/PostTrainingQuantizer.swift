/// Post-training int8 quantization of a float network, TFLite's scheme: batch norm already
/// folded (an `InferenceGraph` is), weights symmetric per output channel, biases int32 at
/// input scale × weight scale, activations asymmetric per tensor over the ranges calibration
/// observed. The result is a fully quantized `.tflite` model (float input quantized by a
/// leading QUANTIZE, float output from a trailing DEQUANTIZE) that TFLite runs and that our
/// int8 engine lowers like any other.
///
/// Feed calibration batches with `calibrate(_:)` — preprocessed exactly as the model's real
/// inputs — then take `model(metadata:)`.
public final class PostTrainingQuantizer {
    /// The float network being quantized.
    public let graph: InferenceGraph
    public let method: CalibrationMethod
    /// Images seen so far.
    public private(set) var images = 0
    private let session: InferenceSession
    /// Index 0: the graph input; index i + 1: operation i's output.
    private var statistics: [TensorStatistics]

    /// Values kept per tensor for percentiles (4 MB each).
    static let sampleLimit = 1 << 20

    /// Prepares to calibrate `graph` with about `expectedImages` images in batches of up to
    /// `batch`; the expected count only sizes the percentile samples.
    public init(graph: InferenceGraph, method: CalibrationMethod, expectedImages: Int, batch: Int, threads: Int) throws {
        self.graph = graph
        self.method = method
        session = try InferenceSession(graph: graph, batch: batch, threads: threads)
        let counts = [graph.inputShape] + (try graph.shapes())
        statistics = counts.map {
            TensorStatistics(valuesPerImage: $0.reduce(1, *), expectedImages: expectedImages, sampleLimit: Self.sampleLimit)
        }
    }

    /// Runs a batch [N, H, W, C] of prepared inputs through the float network and records the
    /// input and every operation's output.
    public func calibrate(_ batch: Tensor<Float>) throws {
        guard batch.rank == 4, Array(batch.shape.dropFirst()) == graph.inputShape else {
            throw MobileNetError.shapeMismatch(
                "calibration batch is \(batch.shape.shapeDescription), the model takes [N] + \(graph.inputShape.shapeDescription)")
        }
        batch.scalars.withUnsafeBufferPointer { statistics[0].record($0) }
        _ = try session.run(batch) { index, output in
            output.scalars.withUnsafeBufferPointer { self.statistics[index + 1].record($0) }
        }
        images += batch.shape[0]
    }

    /// The calibrated range of the graph input (index 0) and of each operation's output.
    public func ranges() throws -> [ActivationRange] {
        guard images > 0 else {
            throw MobileNetError.invalidArgument("no calibration images were given")
        }
        return statistics.map { $0.range(method)! }
    }

    /// The fully quantized TFLite model; `metadata` entries are stored in the file.
    public func model(metadata: [String: [UInt8]] = [:]) throws -> TFLiteModel {
        try TFLiteModel(exporting: graph, int8Ranges: ranges(), metadata: metadata)
    }
}
