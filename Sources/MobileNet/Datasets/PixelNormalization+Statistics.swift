extension PixelNormalization {
    /// The per-channel mean and standard deviation (population) of every pixel of `images`,
    /// on the [0, 1] scale, RGB order: what the trainer computes once from the training set
    /// and saves with the model. Sums are exact integers. A channel constant over the whole set
    /// gets std 1 instead of 0, so normalising never divides by zero.
    public init(statisticsOf images: DecodedImageSet) throws {
        var sums = [UInt64](repeating: 0, count: 3)
        var squares = [UInt64](repeating: 0, count: 3)
        images.pixels.withUnsafeBufferPointer { bytes in
            // Chunks of 1024 pixels keep the per-chunk sums in UInt32 (255² × 1024 < 2³²).
            let chunk = 3 * 1024
            var start = 0
            while start < bytes.count {
                let end = min(bytes.count, start + chunk)
                var s: (UInt32, UInt32, UInt32) = (0, 0, 0), q: (UInt32, UInt32, UInt32) = (0, 0, 0)
                var i = start
                while i < end {
                    let r = UInt32(bytes[i]), g = UInt32(bytes[i + 1]), b = UInt32(bytes[i + 2])
                    s.0 &+= r; s.1 &+= g; s.2 &+= b
                    q.0 &+= r * r; q.1 &+= g * g; q.2 &+= b * b
                    i += 3
                }
                sums[0] += UInt64(s.0); sums[1] += UInt64(s.1); sums[2] += UInt64(s.2)
                squares[0] += UInt64(q.0); squares[1] += UInt64(q.1); squares[2] += UInt64(q.2)
                start = end
            }
        }
        let n = Double(max(1, images.pixels.count / 3))
        var mean: [Float] = [], std: [Float] = []
        for c in 0..<3 {
            let m = Double(sums[c]) / n
            let variance = max(0, Double(squares[c]) / n - m * m)
            mean.append(Float(m / 255))
            std.append(variance > 0 ? Float(variance.squareRoot() / 255) : 1)
        }
        try self.init(mean: mean, std: std)
    }
}
