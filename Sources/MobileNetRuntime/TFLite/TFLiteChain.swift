/// One element of a shape computed inside a TFLite graph: the (run-time) batch size or a number.
enum SymbolicDimension: Equatable {
    case batch
    case value(Int)
}

/// Walking a TFLite subgraph as a chain of operators, shared by the int8 lowering (here) and the
/// toolkit's float lowering: the tensor the chain has reached and its per-image shape, the shape
/// arithmetic Keras exports emit (SHAPE, STRIDED_SLICE, PACK feeding RESHAPE, evaluated with the
/// batch size kept symbolic) and TensorFlow's SAME padding.
package struct TFLiteChain {
    /// The subgraph; the float lowering drops constants' data from it once they are converted.
    package var graph: TFLiteSubgraph
    package let inputShape: [Int]
    /// The batch size the file declares for its input (usually 1).
    package let declaredBatch: Int
    package var current: Int
    package var shape: [Int]
    var symbolic: [Int: [SymbolicDimension]] = [:]

    package init(_ graph: TFLiteSubgraph) throws(RuntimeError) {
        self.graph = graph
        guard graph.inputs.count == 1, graph.outputs.count == 1 else {
            throw RuntimeError.unsupported("models with \(graph.inputs.count) inputs and \(graph.outputs.count) outputs (one of each is supported)")
        }
        let input = graph.tensors[graph.inputs[0]]
        guard input.shape.count == 4, input.shape[3] >= 1 else {
            throw RuntimeError.unsupported("input tensor '\(input.name)' has shape \(input.shape.shapeDescription); an NHWC image batch is expected")
        }
        inputShape = Array(input.shape.dropFirst())
        declaredBatch = input.shape[0]
        current = graph.inputs[0]
        shape = inputShape
    }

    package func tensor(_ index: Int) -> TFLiteTensor { graph.tensors[index] }

    package func input(_ op: TFLiteOperator, _ position: Int, _ what: String) throws(RuntimeError) -> TFLiteTensor {
        guard position < op.inputs.count, op.inputs[position] >= 0 else {
            throw RuntimeError.malformed(format: "tflite", reason: "\(op.op.name) has no \(what) input")
        }
        return tensor(op.inputs[position])
    }

    package func constantInts(_ t: TFLiteTensor) throws(RuntimeError) -> [Int] {
        switch t.type {
        case .int32: return try t.int32Values().map { Int($0) }
        case .int64:
            guard let data = t.data, data.count == t.elementCount * 8 else {
                throw RuntimeError.unsupported("non-constant int64 tensor '\(t.name)'")
            }
            return (0..<t.elementCount).map { i in
                (0..<8).reduce(0) { $0 | Int(data[i * 8 + $1]) << (8 * $1) }
            }
        default:
            throw RuntimeError.unsupported("tensor '\(t.name)' of type \(t.type) where int32 was expected")
        }
    }

    package func padding(_ mode: TFLitePadding, kernelHeight: Int, kernelWidth: Int, strideH: Int, strideW: Int) -> Padding {
        guard mode == .same else { return .zero }
        let vertical = Padding.same(height: shape[0], width: shape[0], kernel: kernelHeight, stride: strideH)
        let horizontal = Padding.same(height: shape[1], width: shape[1], kernel: kernelWidth, stride: strideW)
        return Padding(top: vertical.top, left: horizontal.left, bottom: vertical.bottom, right: horizontal.right)
    }

    /// Checks that `op` continues the chain: its first input is the current activation.
    package func requireChain(_ op: TFLiteOperator, index: Int) throws(RuntimeError) {
        guard op.inputs.first == current else {
            throw RuntimeError.unsupported(
                "operator \(index) (\(op.op.name)) does not read the previous operator's output; only chains of operators are supported")
        }
    }

    /// Checks that `op` writes a tensor whose declared per-image shape (if any) is `next`, and
    /// moves the chain on to it.
    package mutating func advance(_ op: TFLiteOperator, index: Int, to next: [Int]) throws(RuntimeError) {
        guard let out = op.outputs.first, out >= 0 else {
            throw RuntimeError.malformed(format: "tflite", reason: "operator \(index) (\(op.op.name)) has no output")
        }
        let declared = Array(tensor(out).shape.dropFirst())
        if !declared.isEmpty, declared != next {
            throw RuntimeError.shapeMismatch(
                "operator \(index) (\(op.op.name)) computes \(next.shapeDescription) per image but the file declares \(tensor(out).shape.shapeDescription)")
        }
        current = out
        shape = next
    }

    /// Evaluates a SHAPE, STRIDED_SLICE or PACK operator (shape arithmetic, no data).
    package mutating func lowerShapeArithmetic(_ op: TFLiteOperator, index: Int) throws(RuntimeError) {
        switch op.op {
        case .shape:
            let source = try input(op, 0, "input")
            let dims: [SymbolicDimension]
            if op.inputs[0] == current {
                dims = [.batch] + shape.map { .value($0) }
            } else if op.inputs[0] == graph.inputs[0] {
                dims = [.batch] + inputShape.map { .value($0) }
            } else {
                dims = source.shape.map { .value($0) }
            }
            try record(op, dims)

        case .stridedSlice:
            try lowerStridedSlice(op, index: index)

        case .pack:
            guard case .pack(_, let axis) = op.options, axis == 0 else {
                throw RuntimeError.unsupported("PACK other than along axis 0 (operator \(index))")
            }
            var dims: [SymbolicDimension] = []
            for position in op.inputs.indices {
                let values = try symbolicValues(op.inputs[position], index: index)
                guard values.count == 1 else {
                    throw RuntimeError.unsupported("PACK of non-scalar shape values (operator \(index))")
                }
                dims += values
            }
            try record(op, dims)

        default:
            throw RuntimeError.unsupported("\(op.op.name) is not shape arithmetic (operator \(index))")
        }
    }

    mutating func record(_ op: TFLiteOperator, _ dims: [SymbolicDimension]) throws(RuntimeError) {
        guard let out = op.outputs.first, out >= 0 else {
            throw RuntimeError.malformed(format: "tflite", reason: "\(op.op.name) has no output")
        }
        symbolic[out] = dims
    }

    /// The values of an int tensor: one computed by shape operators, or a constant.
    func symbolicValues(_ index: Int, index opIndex: Int) throws(RuntimeError) -> [SymbolicDimension] {
        if let values = symbolic[index] { return values }
        let t = tensor(index)
        guard t.data != nil else {
            throw RuntimeError.unsupported("shape value '\(t.name)' is computed at run time (operator \(opIndex))")
        }
        return try constantInts(t).map { .value($0) }
    }

    mutating func lowerStridedSlice(_ op: TFLiteOperator, index: Int) throws(RuntimeError) {
        guard case .stridedSlice(let beginMask, let endMask, let ellipsis, let newAxis, let shrink, let offset) = op.options else {
            throw RuntimeError.malformed(format: "tflite", reason: "STRIDED_SLICE operator \(index) has no options")
        }
        guard ellipsis == 0, newAxis == 0 else {
            throw RuntimeError.unsupported("STRIDED_SLICE with ellipsis or new-axis masks (operator \(index))")
        }
        let values = try symbolicValues(op.inputs[0], index: index)
        let begin = try constantInts(try input(op, 1, "begin"))
        let end = try constantInts(try input(op, 2, "end"))
        let strides = try constantInts(try input(op, 3, "strides"))
        guard begin.count == 1, end.count == 1, strides.count == 1, strides[0] != 0 else {
            throw RuntimeError.unsupported("STRIDED_SLICE on other than a 1-D shape vector (operator \(index))")
        }
        let n = values.count, step = strides[0]
        func normalise(_ i: Int) -> Int { i < 0 ? i + n : i }
        var low = beginMask & 1 != 0 ? (step > 0 ? 0 : n - 1) : normalise(begin[0])
        var high = endMask & 1 != 0 ? (step > 0 ? n : -1) : (offset ? low + end[0] : normalise(end[0]))
        if shrink & 1 != 0 { high = low + 1; low = max(0, low) }
        var result: [SymbolicDimension] = []
        var i = low
        while step > 0 ? i < min(high, n) : i > max(high, -1) {
            guard i >= 0, i < n else { break }
            result.append(values[i])
            i += step
        }
        try record(op, result)
    }

    /// The per-image target of a RESHAPE: from its shape input (constant or computed) or its
    /// options; the leading dimension must be the batch (symbolic, -1, or the batch the file
    /// declares for its input, which the engine then replaces by the run's batch).
    package func reshapeTarget(_ op: TFLiteOperator, index: Int) throws(RuntimeError) -> [Int] {
        var dims: [SymbolicDimension]
        if op.inputs.count > 1, op.inputs[1] >= 0 {
            dims = try symbolicValues(op.inputs[1], index: index)
        } else if case .reshape(let newShape?) = op.options {
            dims = newShape.map { .value($0) }
        } else {
            throw RuntimeError.malformed(format: "tflite", reason: "RESHAPE operator \(index) has no target shape")
        }
        let count = shape.reduce(1, *)
        guard let first = dims.first else {
            throw RuntimeError.unsupported("RESHAPE to a scalar (operator \(index))")
        }
        switch first {
        case .batch, .value(-1): dims.removeFirst()
        case .value(let v) where v == declaredBatch || v == 1: dims.removeFirst()
        default:
            throw RuntimeError.unsupported("RESHAPE that changes the batch dimension (operator \(index))")
        }
        var target: [Int] = []
        for d in dims {
            guard case .value(let v) = d else {
                throw RuntimeError.unsupported("RESHAPE with the batch size in a non-leading dimension (operator \(index))")
            }
            target.append(v)
        }
        if let unknown = target.firstIndex(of: -1) {
            let known = target.enumerated().filter { $0.offset != unknown }.map { $0.element }.reduce(1, *)
            guard known > 0, count % known == 0 else {
                throw RuntimeError.shapeMismatch("RESHAPE of \(count) elements to \(target.shapeDescription) (operator \(index))")
            }
            target[unknown] = count / known
        }
        return target
    }

    package func finish() throws(RuntimeError) {
        guard current == graph.outputs[0] else {
            throw RuntimeError.unsupported("the model's output '\(tensor(graph.outputs[0]).name)' is not the end of its operator chain")
        }
    }
}
