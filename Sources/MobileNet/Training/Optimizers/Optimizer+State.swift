/// Checkpointing: the optimizer's state as named tensors and back.
extension Optimizer {
    /// Every state buffer as `<slot>/<parameter name>` (e.g. `momentum/conv_pw_3.kernel`,
    /// `velocity/conv1_bn.gamma`), shaped like its parameter, plus `iterations` = [step count]
    /// (a float: exact up to 2²⁴ = 16,777,216 steps).
    public func state() -> [String: Tensor<Float>] {
        var result: [String: Tensor<Float>] = [Self.iterationsName: Tensor(repeating: Float(iterations), shape: [1])]
        let names = slotNames
        for (parameter, buffers) in slots {
            for (slot, buffer) in zip(names, buffers.buffers) {
                let scalars = Array(UnsafeBufferPointer(start: buffer.pointer, count: buffers.count))
                result["\(slot)/\(parameter)"] = try! Tensor(shape: buffers.shape, scalars: scalars)
            }
        }
        return result
    }

    /// Replaces the state with `state` (as written by `state()`) for `parameters`: every slot of
    /// every parameter must be present with the parameter's shape. Throws naming the first
    /// missing or mis-shaped tensor; on error the optimizer is unchanged.
    public func restore(_ state: [String: Tensor<Float>], for parameters: [TrainableParameter]) throws {
        guard let stepTensor = state[Self.iterationsName] else {
            throw MobileNetError.missingTensor("\(Self.iterationsName)' in '\(settings.kind.rawValue) optimizer state")
        }
        guard stepTensor.shape == [1], let step = stepTensor.scalars.first, step >= 0, step <= 16_777_216,
              step == step.rounded() else {
            throw MobileNetError.shapeMismatch("optimizer state '\(Self.iterationsName)' must be one whole number in [0, 2^24], got \(stepTensor.scalars)")
        }
        let names = slotNames
        var restored: [String: ParameterSlots] = [:]
        for parameter in parameters {
            let created = ParameterSlots(shape: parameter.shape, count: parameter.count, slotCount: names.count)
            for (slot, buffer) in zip(names, created.buffers) {
                let key = "\(slot)/\(parameter.name)"
                guard let tensor = state[key] else {
                    throw MobileNetError.missingTensor("\(key)' in '\(settings.kind.rawValue) optimizer state")
                }
                guard tensor.shape == parameter.shape else {
                    throw MobileNetError.shapeMismatch(
                        "optimizer state '\(key)' is \(tensor.shape.shapeDescription), the parameter is \(parameter.shape.shapeDescription)")
                }
                for (index, scalar) in tensor.scalars.enumerated() { buffer.pointer[index] = scalar }
            }
            restored[parameter.name] = created
        }
        iterations = Int(step)
        slots = restored
    }
}
