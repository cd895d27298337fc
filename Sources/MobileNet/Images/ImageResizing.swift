extension RGBImage {
    /// The image resized to `width`×`height` with an antialiased bilinear (triangle) filter,
    /// as float RGB values on the 0...255 scale, shape `[height, width, 3]`.
    ///
    /// Matches Pillow's `Image.resize((width, height), Image.BILINEAR)` up to rounding: Pillow
    /// rounds to 8 bits after each of its two passes and uses 22-bit fixed-point weights, this
    /// resampler keeps floats throughout, so the results differ by less than one level
    /// (measured against Pillow in the tests). Throws `.invalidArgument` for a size below 1.
    public func resized(width outputWidth: Int, height outputHeight: Int) throws -> Tensor<Float> {
        try resized(PixelWindow(left: 0, top: 0, width: width, height: height), width: outputWidth, height: outputHeight)
    }

    /// `window` of the image resized as if it had been cropped out first.
    func resized(_ window: PixelWindow, width outputWidth: Int, height outputHeight: Int) throws -> Tensor<Float> {
        let resizer = try AntialiasedResizer(
            inputWidth: window.width, inputHeight: window.height, outputWidth: outputWidth, outputHeight: outputHeight)
        let scalars = [Float](unsafeUninitializedCapacity: resizer.outputCount) { output, initialized in
            pixels.withUnsafeBufferPointer { pixels in
                let corner = pixels.baseAddress! + (window.top * width + window.left) * 3
                resizer.resize(corner, rowStride: width * 3, into: output.baseAddress!)
            }
            initialized = resizer.outputCount
        }
        return try Tensor(shape: [outputHeight, outputWidth, 3], scalars: scalars)
    }
}
