import Foundation
import Testing

import MobileNet
@testable import MobileNetCamera

/// The camera's frame conversion against the still-image path of `classify` for the same
/// pixels: an RGB24 frame against the photo decoded the classify way; YUYV, NV12 and GREY
/// frames (made by ffmpeg) against their pixels computed per pixel; MJPEG against the same JPEG
/// decoded by `djpeg` at the DCT scale the camera picks, and by `classify`'s own decoder when
/// the model's input needs the full size. Equality is exact, for int8 and float inputs.
@Suite(.enabled(if: CameraTestEnvironment.conversionEnabled, CameraTestEnvironment.framesSkipReason))
struct ConversionEqualityTests {
    /// Converts one frame through the camera's writer.
    static func convert(_ frame: [UInt8], _ format: PixelFormat, _ width: Int, _ height: Int, into tensor: InputTensor) throws -> Bool {
        let writer = FrameWriter()
        return try frame.withUnsafeBytes {
            try writer.write($0, format: format, width: width, height: height,
                             bytesPerLine: format.minimumBytesPerLine(width: width) ?? 0, into: tensor.destination)
        }
    }

    @Test func rgbFrameEqualsClassifyOfTheDecodedPhoto() throws {
        for name in ["person.png", "no_person.png", "dog_0007.jpg"] {
            let image = try ImageDecoder.decode(contentsOf: CameraTestEnvironment.images.appendingPathComponent(name))
            let tensor = InputTensor()
            #expect(try Self.convert(image.pixels, .rgb24, image.width, image.height, into: tensor))
            #expect(tensor.int8 == (try ReferencePath.expectedInt8(image, for: tensor)), "\(name)")
            let floats = InputTensor(width: 128, height: 96, element: .float32,
                                     normalization: NormalizationPreset.torch.normalization)
            #expect(try Self.convert(image.pixels, .rgb24, image.width, image.height, into: floats))
            #expect(floats.float == (try ReferencePath.input(image, for: floats)), "\(name) float")
        }
    }

    @Test(arguments: [
        FrameDestination.Crop.central(fraction: 1), .central(fraction: 0.5), .region(left: 0.1, top: 0.2, width: 0.5, height: 0.6),
    ])
    func cropsEqualClassify(crop: FrameDestination.Crop) throws {
        let image = try ImageDecoder.decode(contentsOf: CameraTestEnvironment.images.appendingPathComponent("person.png"))
        let tensor = InputTensor(element: .float32, crop: crop, normalization: NormalizationPreset.caffe.normalization)
        #expect(try Self.convert(image.pixels, .rgb24, image.width, image.height, into: tensor))
        #expect(tensor.float == (try ReferencePath.input(image, for: tensor)))
    }

    @Test(arguments: [PixelFormat.yuyv, .nv12, .grey, .rgb24], [(640, 480), (1280, 720)])
    func rawFramesEqualClassifyOfTheirPixels(format: PixelFormat, size: (Int, Int)) throws {
        let frame = try TestFrames.bytes("person.png", format, size.0, size.1)
        let pixels = try ReferencePath.image(frame, format, size.0, size.1)
        let tensor = InputTensor()
        #expect(try Self.convert(frame, format, size.0, size.1, into: tensor))
        #expect(tensor.int8 == (try ReferencePath.expectedInt8(pixels, for: tensor)))
    }

    /// Windows that start on the second pixel of a chroma pair and whose width is not a
    /// multiple of 16: the raw conversion's per-pixel paths (odd first pixel, the pixels after
    /// the last whole 16) against the same formulas.
    @Test(arguments: [PixelFormat.yuyv, .nv12, .grey], [FrameDestination.Element.float32, .int8(InputTensor.vwwQuantization)])
    func oddRawWindowsEqualClassify(format: PixelFormat, element: FrameDestination.Element) throws {
        let frame = try TestFrames.bytes("person.png", format, 640, 480)
        let pixels = try ReferencePath.image(frame, format, 640, 480)
        // left 33 px (odd), width 333 px (20 blocks of 16 and 13 more), top 97 px, height 250 px
        let crop = FrameDestination.Crop.region(left: 33.5 / 640, top: 97.5 / 480, width: 333.0 / 640, height: 250.0 / 480)
        let preset: NormalizationPreset = element == .float32 ? .torch : .unit
        let tensor = InputTensor(element: element, crop: crop, normalization: preset.normalization)
        #expect(try Self.convert(frame, format, 640, 480, into: tensor))
        if case .int8 = element {
            #expect(tensor.int8 == (try ReferencePath.expectedInt8(pixels, for: tensor)))
        } else {
            #expect(tensor.float == (try ReferencePath.input(pixels, for: tensor)))
        }
    }

    /// The camera decodes 640×480 MJPEG at 1/4 (160×120, cropped to 140×105 ≥ 96×96) and
    /// 1280×720 at 1/4 too (320×180 → 280×158); djpeg at that scale gives the same pixels.
    @Test(arguments: [(640, 480), (1280, 720)])
    func mjpegEqualsClassifyOfDjpegScaledPixels(size: (Int, Int)) throws {
        let url = try TestFrames.url("no_person.png", .mjpeg, size.0, size.1)
        let tensor = InputTensor()
        #expect(try Self.convert([UInt8](try Data(contentsOf: url)), .mjpeg, 0, 0, into: tensor))
        let scaled = try ReferencePath.jpeg(url, denominator: 4)
        #expect(tensor.int8 == (try ReferencePath.expectedInt8(scaled, for: tensor)))
    }

    /// A model input as large as the frame's crop needs the full-size decode: then the camera
    /// equals `classify` of the JPEG file outright (same decoder, same preprocessing).
    @Test func fullSizeMJPEGEqualsClassifyOfTheFile() throws {
        let url = try TestFrames.url("person.png", .mjpeg, 640, 480)
        let tensor = InputTensor(width: 400, height: 300)
        #expect(try Self.convert([UInt8](try Data(contentsOf: url)), .mjpeg, 0, 0, into: tensor))
        let decoded = try ImageDecoder.decode(contentsOf: url)
        #expect(tensor.int8 == (try ReferencePath.expectedInt8(decoded, for: tensor)))
    }

    /// The YUV matrix and range against ffmpeg's own: the YUYV frame ffmpeg made from a photo,
    /// converted by the camera, is close to the RGB24 frame ffmpeg made from the same photo
    /// (4:2:2 chroma and 8-bit rounding allow small differences; a wrong matrix or range
    /// would give differences of tens of levels).
    @Test func yuvConventionMatchesFFmpeg() throws {
        let yuyv = try ReferencePath.image(try TestFrames.bytes("dog_0007.jpg", .yuyv, 640, 480), .yuyv, 640, 480)
        let rgb = try TestFrames.bytes("dog_0007.jpg", .rgb24, 640, 480)
        let differences = zip(yuyv.pixels, rgb).map { abs(Int($0) - Int($1)) }
        let mean = Double(differences.reduce(0, +)) / Double(differences.count)
        #expect(mean < 2.5, "mean difference \(mean)")
        // And the camera's fast conversion equals that per-pixel formula for the whole frame.
        let tensor = InputTensor(width: 640, height: 480, element: .float32, crop: .central(fraction: 1))
        #expect(try Self.convert(try TestFrames.bytes("dog_0007.jpg", .yuyv, 640, 480), .yuyv, 640, 480, into: tensor))
        #expect(tensor.float == (try ReferencePath.input(yuyv, for: tensor)))
    }

    @Test func corruptAndShortFramesAreRejectedNotWritten() throws {
        let jpeg = [UInt8](try Data(contentsOf: try TestFrames.url("person.png", .mjpeg, 640, 480)))
        let tensor = InputTensor()
        tensor.poison()
        #expect(try !Self.convert(Array(jpeg.prefix(jpeg.count / 2)), .mjpeg, 0, 0, into: tensor))
        #expect(try !Self.convert(Array(repeating: 0, count: 64) + jpeg.dropFirst(64), .mjpeg, 0, 0, into: tensor))
        #expect(try !Self.convert(Array(repeating: 0, count: 1000), .yuyv, 640, 480, into: tensor))
        #expect(tensor.isPoisoned)
    }
}

/// The vectorizable quantization against TFLite's QUANTIZE written naively, on the values
/// where rounding and saturation are delicate.
@Suite struct InputQuantizationTests {
    @Test func matchesQuantizeOnEdgeCases() {
        let q = QuantizationParameters(scale: 0.5, zeroPoint: -3)
        var values: [Float] = [0, 0.25, -0.25, 0.2499999, 0.75, -0.75, 1.25, -1.25, 0.49999997, -0.49999997,
                               62.5, 63.5, -61.25, -63, 1e7, -1e7, .infinity, -.infinity, .nan, Float(bitPattern: 1)]
        for i in 0..<200 { values.append(Float(i) * 0.137 - 13.7) }
        let expected = values.map { x -> Int8 in
            let steps = (x / q.scale).rounded(.toNearestOrAwayFromZero)
            if steps.isNaN { return -128 }
            return Int8(min(max(Int32(max(-1e6, min(1e6, steps))) + q.zeroPoint, -128), 127))
        }
        var output = [Int8](repeating: 0, count: values.count)
        values.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { q.quantize(input, into: $0.baseAddress!) }
        }
        #expect(output == expected)
    }
}
