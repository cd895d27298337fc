/// A rectangle of whole pixels inside an image.
package struct PixelWindow: Equatable {
    package var left: Int, top: Int, width: Int, height: Int

    package init(left: Int, top: Int, width: Int, height: Int) {
        self.left = left
        self.top = top
        self.width = width
        self.height = height
    }

    /// The central `fraction` of a `width × height` image in each dimension, with TensorFlow's
    /// `central_crop` rounding: the offset `⌊(size − size·fraction) / 2⌋` is removed from both
    /// sides, so the crop stays centred. Throws `.invalidArgument` unless 0 < fraction ≤ 1.
    package static func central(width: Int, height: Int, fraction: Double) throws -> PixelWindow {
        guard fraction > 0, fraction <= 1 else {
            throw MobileNetError.invalidArgument("center crop fraction \(fraction) is not in (0, 1]")
        }
        let top = Int((Double(height) - Double(height) * fraction) / 2)
        let left = Int((Double(width) - Double(width) * fraction) / 2)
        return PixelWindow(left: left, top: top, width: width - 2 * left, height: height - 2 * top)
    }
}

extension RGBImage {
    /// The central `fraction` of the image in each dimension (`PixelWindow.central`).
    /// `fraction` 1 returns the image unchanged; throws `.invalidArgument` unless
    /// 0 < fraction ≤ 1.
    public func centerCropped(fraction: Double) throws -> RGBImage {
        let window = try centralWindow(fraction: fraction)
        guard window.width != width || window.height != height else { return self }
        var cropped = [UInt8]()
        cropped.reserveCapacity(window.width * window.height * 3)
        for y in window.top..<(window.top + window.height) {
            let start = (y * width + window.left) * 3
            cropped.append(contentsOf: pixels[start..<(start + window.width * 3)])
        }
        return try RGBImage(width: window.width, height: window.height, pixels: cropped)
    }

    /// The window `centerCropped(fraction:)` keeps.
    func centralWindow(fraction: Double) throws -> PixelWindow {
        try .central(width: width, height: height, fraction: fraction)
    }
}
