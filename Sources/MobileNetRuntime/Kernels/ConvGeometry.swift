/// Geometry of a spatial operator over NHWC tensors, shared by the convolution kernels.
package struct ConvGeometry {
    package var inputHeight: Int, inputWidth: Int, inputChannels: Int
    package var outputHeight: Int, outputWidth: Int, outputChannels: Int
    package var kernelHeight: Int, kernelWidth: Int
    package var strideHeight: Int, strideWidth: Int
    package var padTop: Int, padLeft: Int

    package init(inputHeight: Int, inputWidth: Int, inputChannels: Int,
                 outputHeight: Int, outputWidth: Int, outputChannels: Int,
                 kernelHeight: Int, kernelWidth: Int, strideHeight: Int, strideWidth: Int,
                 padTop: Int, padLeft: Int) {
        self.inputHeight = inputHeight; self.inputWidth = inputWidth; self.inputChannels = inputChannels
        self.outputHeight = outputHeight; self.outputWidth = outputWidth; self.outputChannels = outputChannels
        self.kernelHeight = kernelHeight; self.kernelWidth = kernelWidth
        self.strideHeight = strideHeight; self.strideWidth = strideWidth
        self.padTop = padTop; self.padLeft = padLeft
    }

    /// For output row `row` (image-major): the image, the first input row under the window
    /// (may be negative) and the window rows `ky` that fall inside the input.
    @inline(__always)
    package func rowWindow(_ row: Int) -> (image: Int, inputRow: Int, taps: Range<Int>) {
        let image = row / outputHeight, oy = row % outputHeight
        let iy0 = oy * strideHeight - padTop
        let low = max(0, -iy0), high = max(low, min(kernelHeight, inputHeight - iy0))
        return (image, iy0, low..<high)
    }

    /// Output columns whose whole window lies inside the input (no clipping needed); empty
    /// when the input is narrower than the kernel.
    package var interiorColumns: Range<Int> {
        let low = min(outputWidth, (padLeft + strideWidth - 1) / strideWidth)
        let span = inputWidth + padLeft - kernelWidth  // last window start, in padded columns
        guard span >= 0 else { return low..<low }
        let high = max(low, min(outputWidth, span / strideWidth + 1))
        return low..<high
    }

    /// For output column `ox`: the first input column under the window and the in-bounds `kx`.
    @inline(__always)
    package func columnWindow(_ ox: Int) -> (inputColumn: Int, taps: Range<Int>) {
        let ix0 = ox * strideWidth - padLeft
        let low = max(0, -ix0), high = max(low, min(kernelWidth, inputWidth - ix0))
        return (ix0, low..<high)
    }
}

extension ConvGeometry {
    /// The geometry of a window operator (convolution, depthwise convolution, pooling) that
    /// takes one image of `input` shape [H, W, C] to `output` shape, for the int8 and the float
    /// engines' lowering alike.
    package init(input: [Int], output: [Int], kernel: (height: Int, width: Int),
                 stride: (height: Int, width: Int), padding: Padding) {
        self.init(inputHeight: input[0], inputWidth: input[1], inputChannels: input[2],
                  outputHeight: output[0], outputWidth: output[1], outputChannels: output[2],
                  kernelHeight: kernel.height, kernelWidth: kernel.width,
                  strideHeight: stride.height, strideWidth: stride.width,
                  padTop: padding.top, padLeft: padding.left)
    }
}
