/// Geometry of a spatial operator over NHWC tensors, shared by the convolution kernels.
struct ConvGeometry {
    var inputHeight: Int, inputWidth: Int, inputChannels: Int
    var outputHeight: Int, outputWidth: Int, outputChannels: Int
    var kernelHeight: Int, kernelWidth: Int
    var strideHeight: Int, strideWidth: Int
    var padTop: Int, padLeft: Int

    /// For output row `row` (image-major): the image, the first input row under the window
    /// (may be negative) and the window rows `ky` that fall inside the input.
    @inline(__always)
    func rowWindow(_ row: Int) -> (image: Int, inputRow: Int, taps: Range<Int>) {
        let image = row / outputHeight, oy = row % outputHeight
        let iy0 = oy * strideHeight - padTop
        let low = max(0, -iy0), high = max(low, min(kernelHeight, inputHeight - iy0))
        return (image, iy0, low..<high)
    }

    /// For output column `ox`: the first input column under the window and the in-bounds `kx`.
    @inline(__always)
    func columnWindow(_ ox: Int) -> (inputColumn: Int, taps: Range<Int>) {
        let ix0 = ox * strideWidth - padLeft
        let low = max(0, -ix0), high = max(low, min(kernelWidth, inputWidth - ix0))
        return (ix0, low..<high)
    }
}

/// f32 NHWC convolution kernels. Weights arrive pre-packed `[kh][kw][cin][roundUp16(cout)]`
/// with a bias of `roundUp16(cout)`; padded lanes are zero and never stored.
enum F32Convolution {
    /// Direct KxK convolution (any stride/padding, no im2col) for output rows `rows`
    /// (a row is one (image, output y) pair). Padding is handled by clipping the kernel window
    /// per output row and column, so the inner loops have no branches.
    static func direct(
        input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        geometry g: ConvGeometry, clamp: Clamp, rows: Range<Int>
    ) {
        let cin = g.inputChannels, cout = g.outputChannels, coutPacked = roundUp16(cout)
        let lower = SIMD16<Float>(repeating: clamp.lower), upper = SIMD16<Float>(repeating: clamp.upper)
        for row in rows {
            let (image, iy0, kys) = g.rowWindow(row)
            for ox in 0..<g.outputWidth {
                let (ix0, kxs) = g.columnWindow(ox)
                let out = output + (row * g.outputWidth + ox) * cout
                var block = 0
                while block < cout {
                    var acc = load16(bias + block)
                    for ky in kys {
                        let inRow = input + ((image * g.inputHeight + iy0 + ky) * g.inputWidth) * cin
                        for kx in kxs {
                            let pixel = inRow + (ix0 + kx) * cin
                            let w = weights + ((ky * g.kernelWidth + kx) * cin) * coutPacked + block
                            for ci in 0..<cin {
                                acc += SIMD16(repeating: pixel[ci]) * load16(w + ci * coutPacked)
                            }
                        }
                    }
                    store16(clamp16(acc, lower, upper), out + block, count: min(16, cout - block))
                    block += 16
                }
            }
        }
    }

    /// 1x1 stride-1 convolution as a matrix product: `pixels` rows of `cin` inputs times the
    /// packed `[cin][roundUp16(cout)]` weights, four pixels × sixteen channels per tile.
    static func pointwise(
        input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        inputChannels cin: Int, outputChannels cout: Int, clamp: Clamp, pixels: Range<Int>
    ) {
        let coutPacked = roundUp16(cout)
        let lower = SIMD16<Float>(repeating: clamp.lower), upper = SIMD16<Float>(repeating: clamp.upper)
        var p = pixels.lowerBound
        while p + 4 <= pixels.upperBound {
            let a0 = input + p * cin, a1 = a0 + cin, a2 = a1 + cin, a3 = a2 + cin
            let o0 = output + p * cout, o1 = o0 + cout, o2 = o1 + cout, o3 = o2 + cout
            var block = 0
            while block < cout {
                let b = load16(bias + block)
                var acc0 = b, acc1 = b, acc2 = b, acc3 = b
                var w = weights + block
                for k in 0..<cin {
                    let wv = load16(w)
                    acc0 += SIMD16(repeating: a0[k]) * wv
                    acc1 += SIMD16(repeating: a1[k]) * wv
                    acc2 += SIMD16(repeating: a2[k]) * wv
                    acc3 += SIMD16(repeating: a3[k]) * wv
                    w += coutPacked
                }
                let n = min(16, cout - block)
                store16(clamp16(acc0, lower, upper), o0 + block, count: n)
                store16(clamp16(acc1, lower, upper), o1 + block, count: n)
                store16(clamp16(acc2, lower, upper), o2 + block, count: n)
                store16(clamp16(acc3, lower, upper), o3 + block, count: n)
                block += 16
            }
            p += 4
        }
        while p < pixels.upperBound {
            let a = input + p * cin, o = output + p * cout
            var block = 0
            while block < cout {
                var acc = load16(bias + block)
                var w = weights + block
                for k in 0..<cin {
                    acc += SIMD16(repeating: a[k]) * load16(w)
                    w += coutPacked
                }
                store16(clamp16(acc, lower, upper), o + block, count: min(16, cout - block))
                block += 16
            }
            p += 1
        }
    }
}
