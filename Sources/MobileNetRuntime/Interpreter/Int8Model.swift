/// An int8 model ready for an `Interpreter`: a fully quantized .tflite file parsed and lowered
/// to the runtime's operations (every requantization parameter derived as TFLite's kernels
/// prepare them). Keeps its own copy of everything it needs; the file's bytes can go.
public struct Int8Model: Sendable {
    /// The lowered graph.
    public var graph: QuantizedGraph

    /// Parses and lowers the bytes of a fully quantized `.tflite` file.
    public init(tflite bytes: UnsafeRawBufferPointer) throws(RuntimeError) {
        graph = try QuantizedGraph(TFLiteModel(parsing: bytes))
    }

    /// A model from an int8 graph built or lowered elsewhere (e.g. by the toolkit's quantizer).
    public init(graph: consuming QuantizedGraph) {
        self.graph = graph
    }
}
