import Foundation
import MobileNet

/// Direct, unoptimised implementations written independently of the engine: nested loops over
/// every output element and every tap, Double accumulation, padding by explicit bounds checks.
/// Tensors are NHWC `[Float]` with explicit shapes.
enum Naive {
    struct Map {
        var n: Int, h: Int, w: Int, c: Int
        var data: [Float]
        subscript(b: Int, y: Int, x: Int, ch: Int) -> Float { data[((b * h + y) * w + x) * c + ch] }
    }

    /// TF "SAME" padding before the data: total = max((ceil(in/s) - 1)·s + k - in, 0), half of it.
    static func samePadBefore(_ size: Int, kernel: Int, stride: Int) -> (before: Int, out: Int) {
        let out = Int((Double(size) / Double(stride)).rounded(.up))
        let total = max((out - 1) * stride + kernel - size, 0)
        return (total / 2, out)
    }

    /// Full convolution, kernel `[kh][kw][cin][cout]` (HWIO), explicit top/left padding, output size given.
    static func conv(_ x: Map, kernel: [Float], kh: Int, kw: Int, cout: Int, stride: Int,
                     padTop: Int, padLeft: Int, outH: Int, outW: Int, bias: [Float]? = nil) -> Map {
        var out = [Float](repeating: 0, count: x.n * outH * outW * cout)
        for b in 0..<x.n { for oy in 0..<outH { for ox in 0..<outW { for co in 0..<cout {
            var acc = Double(bias?[co] ?? 0)
            for ky in 0..<kh { for kx in 0..<kw {
                let iy = oy * stride + ky - padTop, ix = ox * stride + kx - padLeft
                if iy < 0 || iy >= x.h || ix < 0 || ix >= x.w { continue }
                for ci in 0..<x.c {
                    acc += Double(x[b, iy, ix, ci]) * Double(kernel[((ky * kw + kx) * x.c + ci) * cout + co])
                }
            } }
            out[((b * outH + oy) * outW + ox) * cout + co] = Float(acc)
        } } } }
        return Map(n: x.n, h: outH, w: outW, c: cout, data: out)
    }

    /// Depthwise convolution, kernel `[kh][kw][cin][multiplier]`; output channel = ci·m + j.
    static func depthwise(_ x: Map, kernel: [Float], kh: Int, kw: Int, multiplier m: Int, stride: Int,
                          padTop: Int, padLeft: Int, outH: Int, outW: Int, bias: [Float]? = nil) -> Map {
        let cout = x.c * m
        var out = [Float](repeating: 0, count: x.n * outH * outW * cout)
        for b in 0..<x.n { for oy in 0..<outH { for ox in 0..<outW { for ci in 0..<x.c { for j in 0..<m {
            let co = ci * m + j
            var acc = Double(bias?[co] ?? 0)
            for ky in 0..<kh { for kx in 0..<kw {
                let iy = oy * stride + ky - padTop, ix = ox * stride + kx - padLeft
                if iy < 0 || iy >= x.h || ix < 0 || ix >= x.w { continue }
                acc += Double(x[b, iy, ix, ci]) * Double(kernel[((ky * kw + kx) * x.c + ci) * m + j])
            } }
            out[((b * outH + oy) * outW + ox) * cout + co] = Float(acc)
        } } } } }
        return Map(n: x.n, h: outH, w: outW, c: cout, data: out)
    }

    /// Inference batch norm with Keras' epsilon, then an activation.
    static func batchNormActivate(_ x: Map, gamma: [Float], beta: [Float], mean: [Float], variance: [Float],
                                  epsilon: Double = 1e-3, relu6: Bool = true) -> Map {
        var y = x
        for i in 0..<y.data.count {
            let c = i % x.c
            var v = (Double(x.data[i]) - Double(mean[c])) / (Double(variance[c]) + epsilon).squareRoot()
                * Double(gamma[c]) + Double(beta[c])
            if relu6 { v = min(max(v, 0), 6) }
            y.data[i] = Float(v)
        }
        return y
    }

    static func globalAverage(_ x: Map) -> [[Float]] {
        (0..<x.n).map { b in
            (0..<x.c).map { ch in
                var sum = 0.0
                for y in 0..<x.h { for xx in 0..<x.w { sum += Double(x[b, y, xx, ch]) } }
                return Float(sum / Double(x.h * x.w))
            }
        }
    }

    static func dense(_ rows: [[Float]], weights: [Float], outputs: Int, bias: [Float]) -> [[Float]] {
        rows.map { row in
            (0..<outputs).map { o in
                var acc = Double(bias[o])
                for i in 0..<row.count { acc += Double(row[i]) * Double(weights[i * outputs + o]) }
                return Float(acc)
            }
        }
    }

    static func softmax(_ rows: [[Float]]) -> [[Float]] {
        rows.map { row in
            let m = row.max()!
            let e = row.map { Foundation.exp(Double($0 - m)) }
            let s = e.reduce(0, +)
            return e.map { Float($0 / s) }
        }
    }

    /// MobileNet v1 exactly as Keras builds it (conv1 SAME; stride-1 depthwise SAME; stride-2
    /// depthwise zero-padded one row/column at the bottom/right then VALID; pointwise 1x1;
    /// unfolded batch norm + ReLU6; global average pool; 1x1 classifier; softmax).
    static func mobileNet(_ model: MobileNetModel, input: Tensor<Float>) -> Tensor<Float> {
        let cfg = model.architecture.config
        let w = model.weights
        func t(_ name: String) -> [Float] { w[name]!.scalars }
        func bn(_ x: Map, _ layer: String) -> Map {
            batchNormActivate(x, gamma: t("\(layer)_bn.gamma"), beta: t("\(layer)_bn.beta"),
                              mean: t("\(layer)_bn.moving_mean"), variance: t("\(layer)_bn.moving_variance"),
                              relu6: cfg.activation == .relu6)
        }
        var x = Map(n: input.shape[0], h: input.shape[1], w: input.shape[2], c: 3, data: input.scalars)
        let stem = w["conv1.kernel"]!
        let (pt, oh) = samePadBefore(x.h, kernel: 3, stride: 2), (pl, ow) = samePadBefore(x.w, kernel: 3, stride: 2)
        x = bn(conv(x, kernel: stem.scalars, kh: 3, kw: 3, cout: stem.shape[3], stride: 2,
                    padTop: pt, padLeft: pl, outH: oh, outW: ow), "conv1")
        for (i, block) in MobileNetV1.blocks.enumerated() {
            let id = i + 1
            guard w["conv_dw_\(id).depthwise_kernel"] != nil else { continue }  // shallow variant
            let s = block.stride
            var padTop = 0, padLeft = 0, outH: Int, outW: Int
            if s == 1 {
                (padTop, outH) = samePadBefore(x.h, kernel: 3, stride: 1)
                (padLeft, outW) = samePadBefore(x.w, kernel: 3, stride: 1)
            } else {  // ZeroPadding2D(((0, 1), (0, 1))) then VALID
                outH = (x.h + 1 - 3) / 2 + 1
                outW = (x.w + 1 - 3) / 2 + 1
            }
            x = bn(depthwise(x, kernel: t("conv_dw_\(id).depthwise_kernel"), kh: 3, kw: 3, multiplier: 1,
                             stride: s, padTop: padTop, padLeft: padLeft, outH: outH, outW: outW), "conv_dw_\(id)")
            let pw = w["conv_pw_\(id).kernel"]!
            x = bn(conv(x, kernel: pw.scalars, kh: 1, kw: 1, cout: pw.shape[3], stride: 1,
                        padTop: 0, padLeft: 0, outH: x.h, outW: x.w), "conv_pw_\(id)")
        }
        var rows = globalAverage(x)
        if cfg.includeTop {
            rows = softmax(dense(rows, weights: t("conv_preds.kernel"), outputs: cfg.classes, bias: t("conv_preds.bias")))
        }
        return try! Tensor(shape: [rows.count, rows[0].count], scalars: rows.flatMap { $0 })
    }
}
