import Foundation

import MobileNet
@testable import MobileNetCamera

/// The still-image path the camera must equal: pixels as an `RGBImage`, then `classify`'s
/// preprocessing (`ClassifierPreprocessing` for its default central crop, `ImagePreprocessing`
/// otherwise), then TFLite's QUANTIZE for int8 inputs, written out naively here. The raw
/// formats are turned into pixels by direct per-pixel formulas, MJPEG by `djpeg`.
enum ReferencePath {
    /// The model input `classify` makes from `image` for `tensor`'s geometry.
    static func input(_ image: RGBImage, for tensor: InputTensor) throws -> [Float] {
        switch tensor.crop {
        case .central(let fraction) where fraction == ClassifierPreprocessing.defaultCentralFraction:
            let preprocessing = try ClassifierPreprocessing(
                width: tensor.width, height: tensor.height, recorded: nil, normalization: tensor.normalization)
            return try preprocessing.tensor(from: image).scalars
        case .central(let fraction):
            return try ImagePreprocessing(
                width: tensor.width, height: tensor.height, centralFraction: fraction, normalization: tensor.normalization
            ).tensor(from: image).scalars
        case .region(let left, let top, let width, let height):
            // Cut the region out by hand, then resize it whole.
            let x = Int(Double(image.width) * left), y = Int(Double(image.height) * top)
            let w = Int((Double(image.width) * width).rounded()), h = Int((Double(image.height) * height).rounded())
            var pixels: [UInt8] = []
            for row in y..<(y + h) {
                let start = (row * image.width + x) * 3
                pixels += image.pixels[start..<(start + w * 3)]
            }
            return try ImagePreprocessing(
                width: tensor.width, height: tensor.height, centralFraction: 1, normalization: tensor.normalization
            ).tensor(from: RGBImage(width: w, height: h, pixels: pixels)).scalars
        }
    }

    /// `input` as the values the tensor should hold: floats, or int8 quantized as TFLite's
    /// QUANTIZE does (round half away from zero, saturate).
    static func expectedInt8(_ image: RGBImage, for tensor: InputTensor) throws -> [Int8] {
        guard case .int8(let q) = tensor.element else { fatalError("not an int8 tensor") }
        return try input(image, for: tensor).map { x in
            let steps = Int32((x / q.scale).rounded(.toNearestOrAwayFromZero)) + q.zeroPoint
            return Int8(min(max(steps, -128), 127))
        }
    }

    // MARK: - Pixels of raw frames

    /// BT.601 limited range, in 8-bit fixed point (the formula `YUVConversion` documents).
    static func rgb(y: Int, u: Int, v: Int) -> [UInt8] {
        let c = y - 16, d = u - 128, e = v - 128
        func clamp(_ x: Int) -> UInt8 { UInt8(max(0, min(255, x))) }
        return [clamp((298 * c + 409 * e + 128) >> 8), clamp((298 * c - 100 * d - 208 * e + 128) >> 8),
                clamp((298 * c + 516 * d + 128) >> 8)]
    }

    static func image(_ frame: [UInt8], _ format: PixelFormat, _ width: Int, _ height: Int) throws -> RGBImage {
        var pixels: [UInt8] = []
        pixels.reserveCapacity(width * height * 3)
        for row in 0..<height {
            for column in 0..<width {
                switch format {
                case .yuyv:
                    let pair = row * width * 2 + (column / 2) * 4
                    pixels += rgb(y: Int(frame[row * width * 2 + column * 2]), u: Int(frame[pair + 1]), v: Int(frame[pair + 3]))
                case .nv12:
                    let chroma = width * height + (row / 2) * width + (column / 2) * 2
                    pixels += rgb(y: Int(frame[row * width + column]), u: Int(frame[chroma]), v: Int(frame[chroma + 1]))
                case .grey:
                    let value = frame[row * width + column]
                    pixels += [value, value, value]
                case .rgb24:
                    let at = (row * width + column) * 3
                    pixels += frame[at..<(at + 3)]
                case .mjpeg:
                    fatalError("use jpeg(_:scale:)")
                }
            }
        }
        return try RGBImage(width: width, height: height, pixels: pixels)
    }

    /// The JPEG file decoded by libjpeg-turbo's `djpeg` at 1/`denominator` scale.
    static func jpeg(_ url: URL, denominator: Int) throws -> RGBImage {
        let ppm = try run("djpeg", ["-scale", "1/\(denominator)", "-ppm", url.path])
        // P6\n<width> <height>\n255\n<bytes>
        var fields: [Int] = []
        var index = 2
        while fields.count < 3 {
            while ppm[index] == 0x20 || ppm[index] == 0x0A { index += 1 }
            var value = 0
            while ppm[index] >= 0x30 && ppm[index] <= 0x39 {
                value = value * 10 + Int(ppm[index] - 0x30)
                index += 1
            }
            fields.append(value)
        }
        index += 1
        return try RGBImage(width: fields[0], height: fields[1], pixels: [UInt8](ppm[index...]))
    }
}
