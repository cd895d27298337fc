/// Turns a window of a stored 8-bit image into one network input: `resolution`×`resolution`×3
/// floats (NHWC rows), resized with PyTorch's bilinear `F.interpolate(align_corners=False)`
/// (no antialias) and normalised per channel by a `PixelNormalization` (`(v / 255 − mean) / std`,
/// channels written in its order).
///
/// One pass per image: the window's rows are interpolated horizontally from the bytes into a
/// temporary scratch (on the stack when it fits; reflect padding and the flip are folded into
/// the column table), then each output row is the vertical blend of two scratch rows, scaled
/// and shifted in SIMD16. Resizing before normalising equals torchvision's order
/// (normalise, then resize) because the bilinear weights sum to one.
public struct ImageTransform: Sendable {
    /// Output side in pixels.
    public let resolution: Int
    public let normalization: PixelNormalization
    /// `1 / (255 std[c])` and `−mean[c] / std[c]` repeated along one output row in output
    /// channel order (padded to a multiple of 16).
    private let scale: [Float]
    private let shift: [Float]
    /// The source channel of output channels 0, 1, 2.
    private let channels: (Int, Int, Int)

    /// Floats per output row, `resolution × 3`.
    var rowFloats: Int { resolution * 3 }
    /// Floats per output image.
    public var floatsPerImage: Int { resolution * resolution * 3 }

    public init(resolution: Int, normalization: PixelNormalization) throws {
        guard (1...4096).contains(resolution) else {
            throw MobileNetError.invalidArgument("resolution \(resolution) outside 1...4096")
        }
        self.resolution = resolution
        self.normalization = normalization
        let padded = roundUp16(resolution * 3)
        let affine = normalization.affine
        scale = (0..<padded).map { affine.scale[$0 % 3] }
        shift = (0..<padded).map { affine.offset[$0 % 3] }
        channels = normalization.channelOrder == .rgb ? (0, 1, 2) : (2, 1, 0)
    }

    /// Writes image `index` of `images` seen through `window` into `output`
    /// (`floatsPerImage` floats); throws when the index, window or output size is out of range.
    public func apply(_ images: DecodedImageSet, index: Int, window: CropWindow,
                      into output: UnsafeMutableBufferPointer<Float>) throws {
        guard (0..<images.count).contains(index) else {
            throw MobileNetError.invalidArgument("image index \(index) outside 0..<\(images.count)")
        }
        guard window.height >= 1, window.width >= 1, window.height <= 4096, window.width <= 4096 else {
            throw MobileNetError.invalidArgument("crop window \(window.width)x\(window.height) is empty or too large")
        }
        guard output.count >= floatsPerImage else {
            throw MobileNetError.shapeMismatch("output of \(output.count) floats for a \(resolution)x\(resolution)x3 image")
        }
        images.pixels.withUnsafeBufferPointer { bytes in
            render(bytes.baseAddress! + index * images.bytesPerImage, width: images.width, height: images.height,
                   window: window, into: output.baseAddress!)
        }
    }

    /// `apply` without checks, for callers that validated their windows.
    func render(_ source: UnsafePointer<UInt8>, width: Int, height: Int, window: CropWindow,
                into output: UnsafeMutablePointer<Float>) {
        let resolution = resolution, rowFloats = rowFloats, rowStride = roundUp16(rowFloats)
        let (c0, c1, c2) = channels
        // Which window rows the output rows blend, so only those are interpolated.
        let firstRow = bilinearTap(0, sourceCount: window.height, outputCount: resolution).first
        let lastRow = bilinearTap(resolution - 1, sourceCount: window.height, outputCount: resolution).second
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 2 * resolution) { offsets in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: resolution + (lastRow - firstRow + 1) * rowStride) { floats in
                let weights = floats.baseAddress!, rows = weights + resolution
                // Columns: byte offsets of the two source pixels of each output column.
                for o in 0..<resolution {
                    let (first, second, w) = bilinearTap(o, sourceCount: window.width, outputCount: resolution)
                    let x0 = window.flipped ? window.width - 1 - first : first
                    let x1 = window.flipped ? window.width - 1 - second : second
                    offsets[2 * o] = 3 * reflectIndex(window.left + x0, count: width)
                    offsets[2 * o + 1] = 3 * reflectIndex(window.left + x1, count: width)
                    weights[o] = w
                }
                for r in firstRow...lastRow {
                    let source = source + reflectIndex(window.top + r, count: height) * width * 3
                    let row = rows + (r - firstRow) * rowStride
                    for o in 0..<resolution {
                        let a = source + offsets[2 * o], b = source + offsets[2 * o + 1]
                        let w1 = weights[o], w0 = 1 - w1
                        row[3 * o] = w0 * Float(a[c0]) + w1 * Float(b[c0])
                        row[3 * o + 1] = w0 * Float(a[c1]) + w1 * Float(b[c1])
                        row[3 * o + 2] = w0 * Float(a[c2]) + w1 * Float(b[c2])
                    }
                    (row + rowFloats).update(repeating: 0, count: rowStride - rowFloats)
                }
                scale.withUnsafeBufferPointer { scale in
                    shift.withUnsafeBufferPointer { shift in
                        for oy in 0..<resolution {
                            let (r0, r1, w) = bilinearTap(oy, sourceCount: window.height, outputCount: resolution)
                            let a = UnsafePointer(rows + (r0 - firstRow) * rowStride)
                            let b = UnsafePointer(rows + (r1 - firstRow) * rowStride)
                            let w1 = SIMD16<Float>(repeating: w), w0 = SIMD16<Float>(repeating: 1 - w)
                            let out = output + oy * rowFloats
                            var i = 0
                            while i < rowFloats {
                                let value = multiplyAdd(w0 * load16(a + i), w1, load16(b + i))
                                let normalised = multiplyAdd(load16(shift.baseAddress! + i), value, load16(scale.baseAddress! + i))
                                store16(normalised, out + i, count: min(16, rowFloats - i))
                                i += 16
                            }
                        }
                    }
                }
            }
        }
    }
}
