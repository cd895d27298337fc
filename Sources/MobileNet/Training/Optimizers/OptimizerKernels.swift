/// The per-element update loops of the optimizers: one pass over a parameter, 16 lanes at a
/// time. The update of 16 lanes is one inlined function, used by the main loop on whole
/// vectors and once more on the zero-padded tail (partial loads and stores), so every element
/// goes through the same arithmetic. All scalars are prepared by `Optimizer`.
enum OptimizerKernels {
    /// PyTorch SGD: `g' = g + wd·w`, `b = μ·b + g'`, `w −= lr·(nesterov ? g' + μ·b : b)`.
    static func sgd(value: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>,
                    buffer: UnsafeMutablePointer<Float>, count: Int,
                    learningRate: Float, momentum: Float, nesterov: Bool, weightDecay: Float) {
        let lr = SIMD16<Float>(repeating: -learningRate)
        let mu = SIMD16<Float>(repeating: momentum)
        let wd = SIMD16<Float>(repeating: weightDecay)
        @inline(__always)
        func lanes(_ w: SIMD16<Float>, _ gradient: SIMD16<Float>, _ buffer: SIMD16<Float>)
            -> (value: SIMD16<Float>, buffer: SIMD16<Float>) {
            let g = multiplyAdd(gradient, wd, w)
            let b = multiplyAdd(g, mu, buffer)
            return (multiplyAdd(w, lr, nesterov ? multiplyAdd(g, mu, b) : b), b)
        }
        let whole = count & ~15
        var i = 0
        while i < whole {
            let r = lanes(load16(value + i), load16(gradient + i), load16(buffer + i))
            store16(r.buffer, buffer + i)
            store16(r.value, value + i)
            i += 16
        }
        if i < count {
            let n = count - i
            let r = lanes(partialLoad16(value + i, n), partialLoad16(gradient + i, n), partialLoad16(buffer + i, n))
            store16(r.buffer, buffer + i, count: n)
            store16(r.value, value + i, count: n)
        }
    }

    /// Keras RMSprop (`keras/src/optimizers/rmsprop.py`) on `g' = g + wd·w`:
    /// `v = ρ·v + (1−ρ)·g'²`; centered: `a = ρ·a + (1−ρ)·g'`, `d = v − a² + ε`, else `d = v + ε`;
    /// `Δ = lr·g' / √d`; with momentum `m = μ·m + Δ`, `w −= m`, else `w −= Δ`.
    static func rmsprop(value: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>,
                        velocity: UnsafeMutablePointer<Float>, momentumBuffer: UnsafeMutablePointer<Float>?,
                        averageGradient: UnsafeMutablePointer<Float>?, count: Int,
                        learningRate: Float, rho: Float, oneMinusRho: Float, momentum: Float,
                        epsilon: Float, weightDecay: Float) {
        let lr = SIMD16<Float>(repeating: learningRate)
        let rhoV = SIMD16<Float>(repeating: rho)
        let oneMinusRhoV = SIMD16<Float>(repeating: oneMinusRho)
        let mu = SIMD16<Float>(repeating: momentum)
        let eps = SIMD16<Float>(repeating: epsilon)
        let wd = SIMD16<Float>(repeating: weightDecay)
        let hasMomentum = momentumBuffer != nil, centered = averageGradient != nil
        let m = momentumBuffer ?? velocity, a = averageGradient ?? velocity  // read only when present
        @inline(__always)
        func lanes(_ w: SIMD16<Float>, _ gradient: SIMD16<Float>, _ v0: SIMD16<Float>, _ m0: SIMD16<Float>,
                   _ a0: SIMD16<Float>) -> (value: SIMD16<Float>, v: SIMD16<Float>, m: SIMD16<Float>, a: SIMD16<Float>) {
            let g = multiplyAdd(gradient, wd, w)
            let v = rhoV * v0 + oneMinusRhoV * (g * g)
            let a = rhoV * a0 + oneMinusRhoV * g
            let denominator = centered ? (v - a * a) + eps : v + eps
            let increment = (lr * g) / denominator.squareRoot()
            let step = hasMomentum ? mu * m0 + increment : increment
            return (w - step, v, step, a)
        }
        let whole = count & ~15
        var i = 0
        while i < whole {
            let r = lanes(load16(value + i), load16(gradient + i), load16(velocity + i),
                          hasMomentum ? load16(m + i) : .zero, centered ? load16(a + i) : .zero)
            store16(r.v, velocity + i)
            if hasMomentum { store16(r.m, m + i) }
            if centered { store16(r.a, a + i) }
            store16(r.value, value + i)
            i += 16
        }
        if i < count {
            let n = count - i
            let r = lanes(partialLoad16(value + i, n), partialLoad16(gradient + i, n), partialLoad16(velocity + i, n),
                          hasMomentum ? partialLoad16(m + i, n) : .zero, centered ? partialLoad16(a + i, n) : .zero)
            store16(r.v, velocity + i, count: n)
            if hasMomentum { store16(r.m, m + i, count: n) }
            if centered { store16(r.a, a + i, count: n) }
            store16(r.value, value + i, count: n)
        }
    }

    /// PyTorch Adam/AdamW: `w *= decayScale` (AdamW), `g' = g + l2·w` (Adam),
    /// `m += (1−β₁)(g' − m)`, `v = β₂·v + (1−β₂)·g'²`, `w −= stepSize · m / (√v / √(1−β₂ᵗ) + ε)`
    /// with `stepSize = lr / (1−β₁ᵗ)`.
    static func adam(value: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>,
                     firstMoment: UnsafeMutablePointer<Float>, secondMoment: UnsafeMutablePointer<Float>,
                     count: Int, decayScale: Float, l2: Float, oneMinusBeta1: Float, beta2: Float,
                     oneMinusBeta2: Float, stepSize: Float, correction2Root: Float, epsilon: Float) {
        let scale = SIMD16<Float>(repeating: decayScale)
        let l2V = SIMD16<Float>(repeating: l2)
        let b1 = SIMD16<Float>(repeating: oneMinusBeta1)
        let b2 = SIMD16<Float>(repeating: beta2)
        let oneMinusB2 = SIMD16<Float>(repeating: oneMinusBeta2)
        let size = SIMD16<Float>(repeating: stepSize)
        let root = SIMD16<Float>(repeating: correction2Root)
        let eps = SIMD16<Float>(repeating: epsilon)
        @inline(__always)
        func lanes(_ w0: SIMD16<Float>, _ gradient: SIMD16<Float>, _ m0: SIMD16<Float>, _ v0: SIMD16<Float>)
            -> (value: SIMD16<Float>, m: SIMD16<Float>, v: SIMD16<Float>) {
            let w = w0 * scale
            let g = multiplyAdd(gradient, l2V, w)
            let m = multiplyAdd(m0, b1, g - m0)
            let v = b2 * v0 + oneMinusB2 * (g * g)
            let denominator = v.squareRoot() / root + eps
            return (w - size * (m / denominator), m, v)
        }
        let whole = count & ~15
        var i = 0
        while i < whole {
            let r = lanes(load16(value + i), load16(gradient + i), load16(firstMoment + i), load16(secondMoment + i))
            store16(r.m, firstMoment + i)
            store16(r.v, secondMoment + i)
            store16(r.value, value + i)
            i += 16
        }
        if i < count {
            let n = count - i
            let r = lanes(partialLoad16(value + i, n), partialLoad16(gradient + i, n),
                          partialLoad16(firstMoment + i, n), partialLoad16(secondMoment + i, n))
            store16(r.m, firstMoment + i, count: n)
            store16(r.v, secondMoment + i, count: n)
            store16(r.value, value + i, count: n)
        }
    }

    /// The first `count` (< 16) floats at `pointer`, then zeros.
    @inline(never)
    private static func partialLoad16(_ pointer: UnsafePointer<Float>, _ count: Int) -> SIMD16<Float> {
        var result = SIMD16<Float>(repeating: 0)
        withUnsafeMutableBytes(of: &result) { lanes in
            lanes.baseAddress!.copyMemory(from: pointer, byteCount: count * 4)
        }
        return result
    }

    @inline(__always)
    private static func partialLoad16(_ pointer: UnsafeMutablePointer<Float>, _ count: Int) -> SIMD16<Float> {
        partialLoad16(UnsafePointer(pointer), count)
    }
}
