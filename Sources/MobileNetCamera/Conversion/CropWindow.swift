import MobileNet

extension FrameDestination.Crop {
    /// The pixels kept from a `width × height` frame. Throws `.invalidConfiguration` for a
    /// fraction outside (0, 1] or a region outside the frame.
    func window(width: Int, height: Int) throws(CaptureError) -> PixelWindow {
        switch self {
        case .central(let fraction):
            do {
                return try PixelWindow.central(width: width, height: height, fraction: fraction)
            } catch {
                throw .invalidConfiguration("central crop fraction \(fraction) is not in (0, 1]")
            }
        case .region(let left, let top, let regionWidth, let regionHeight):
            guard left >= 0, top >= 0, regionWidth > 0, regionHeight > 0,
                  left + regionWidth <= 1 + 1e-9, top + regionHeight <= 1 + 1e-9
            else {
                throw .invalidConfiguration(
                    "region of interest left \(left) top \(top) width \(regionWidth) height \(regionHeight) is not inside the frame (fractions of its size)")
            }
            let x = min(width - 1, Int(Double(width) * left))
            let y = min(height - 1, Int(Double(height) * top))
            return PixelWindow(
                left: x, top: y,
                width: max(1, min(width - x, Int((Double(width) * regionWidth).rounded()))),
                height: max(1, min(height - y, Int((Double(height) * regionHeight).rounded()))))
        }
    }
}
