// capture-bench: how long the camera path takes to put one frame into the VWW model's 96×96
// int8 input, against one inference of that model. Run by bench/capture_bench.sh, which makes
// the frames (ffmpeg, from ../shared photos) and measures the inference (`mobilenet bench`).
//
//   capture-bench --mjpeg F.jpg --yuyv F.yuyv --size 640x480 --inference-ms 0.84
//       [--mjpeg-device PATH] [--yuyv-device PATH] [--runs N]
//
// For each format it prints the median and 90th percentile of
// - libjpeg alone (MJPEG): libjpeg-turbo decoding the frame at the DCT scale the conversion
//   uses (read the header, set the scale, start, read every scanline into a reused buffer,
//   finish; the codec shim's calls, per-image memory reused) with nothing of ours: the floor
//   of any MJPEG conversion that decodes with libjpeg. "ours" is the conversion's median
//   minus this one, as a share of the conversion;
// - conversion: a frame already in memory → crop → resize → normalise → quantize (FrameWriter);
// - capture + conversion (with --device, a test-camera device file per format): Camera.nextFrame
//   when a frame is waiting (QUERYBUF, DQBUF, requeueing older frames, conversion, QBUF). The
//   test camera copies each frame into its buffer inside those calls (pwrite), a cost a real
//   driver's DMA does not put on the CPU, so this column overstates real capture.
#if canImport(Glibc)
import Glibc
#endif
import CImageCodecs
import Foundation
import MobileNet
import MobileNetCamera

struct Options {
    var frames: [(PixelFormat, String)] = []
    var width = 640, height = 480
    var inferenceMilliseconds: Double?
    var devices: [PixelFormat: String] = [:]
    var runs = 300
}

func parse() -> Options {
    var options = Options()
    var arguments = CommandLine.arguments.dropFirst().makeIterator()
    func value(_ name: String) -> String {
        guard let value = arguments.next() else { fail("\(name) needs a value") }
        return value
    }
    while let argument = arguments.next() {
        switch argument {
        case "--mjpeg": options.frames.append((.mjpeg, value(argument)))
        case "--yuyv": options.frames.append((.yuyv, value(argument)))
        case "--size":
            let parts = value(argument).split(separator: "x").compactMap { Int($0) }
            guard parts.count == 2 else { fail("--size WIDTHxHEIGHT") }
            (options.width, options.height) = (parts[0], parts[1])
        case "--inference-ms": options.inferenceMilliseconds = Double(value(argument))
        case "--mjpeg-device": options.devices[.mjpeg] = value(argument)
        case "--yuyv-device": options.devices[.yuyv] = value(argument)
        case "--runs": options.runs = Int(value(argument)) ?? 300
        default: fail("unknown argument \(argument)")
        }
    }
    return options
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("capture-bench: \(message)\n".utf8))
    exit(1)
}

func now() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}

/// Median and 90th percentile in microseconds.
func summary(_ nanoseconds: [UInt64]) -> (median: Double, p90: Double) {
    let sorted = nanoseconds.sorted()
    return (Double(sorted[sorted.count / 2]) / 1000, Double(sorted[sorted.count * 9 / 10]) / 1000)
}

let options = parse()
let input = UnsafeMutableRawPointer.allocate(byteCount: 96 * 96 * 3, alignment: 64)
defer { input.deallocate() }
let destination = FrameDestination(
    width: 96, height: 96, crop: .central(fraction: 0.875), normalization: NormalizationPreset.unit.normalization,
    element: .int8(QuantizationParameters(scale: 1 / 255, zeroPoint: -128)), base: input)

/// Median and 90th percentile of libjpeg-turbo alone decoding `frame` at 1/`denominator`.
func libjpegAlone(_ frame: [UInt8], denominator: Int, runs: Int) -> (median: Double, p90: Double) {
    guard let decoder = mn_jpeg_create(nil, 0) else { fail("out of memory creating a JPEG decoder") }
    defer { mn_jpeg_destroy(decoder) }
    mn_jpeg_reuse_memory(decoder)
    var header = MNJPEGHeader()
    var width: UInt32 = 0, height: UInt32 = 0
    var pixels: [UInt8] = []
    var times: [UInt64] = []
    times.reserveCapacity(runs)
    frame.withUnsafeBufferPointer { bytes in
        for run in 0..<(runs + 20) {
            let start = now()
            mn_jpeg_set_source(decoder, bytes.baseAddress!, bytes.count)
            guard mn_jpeg_read_header(decoder, &header), mn_jpeg_scale(decoder, UInt32(denominator), &width, &height)
            else { fail("libjpeg: \(String(cString: mn_jpeg_message(decoder)))") }
            if pixels.isEmpty { pixels = [UInt8](repeating: 0, count: Int(width) * Int(height) * 3) }  // first run only
            guard pixels.withUnsafeMutableBufferPointer({ mn_jpeg_read_pixels(decoder, $0.baseAddress!, Int(width) * 3) })
            else { fail("libjpeg: \(String(cString: mn_jpeg_message(decoder)))") }
            if run >= 20 { times.append(now() - start) }
        }
    }
    return summary(times)
}

func formatted(_ value: (median: Double, p90: Double)) -> String { String(format: "%.1f (%.1f)", value.median, value.p90) }

print("frame → VWW 96×96 int8 input, \(options.width)×\(options.height), median (p90) µs over \(options.runs) runs")
var header = "| format | libjpeg alone µs | conversion µs | ours"
if !options.devices.isEmpty { header += " | capture + conversion µs" }
if options.inferenceMilliseconds != nil { header += " | conversion / inference" + (options.devices.isEmpty ? "" : " | capture / inference") }
print(header + " |")
print(String(repeating: "|---", count: header.split(separator: "|").count) + "|")

for (format, path) in options.frames {
    guard let data = FileManager.default.contents(atPath: path) else { fail("cannot read \(path)") }
    let frame = [UInt8](data)
    let writer = FrameWriter()
    let bytesPerLine = format == .yuyv ? options.width * 2 : 0
    var times: [UInt64] = []
    times.reserveCapacity(options.runs)
    try frame.withUnsafeBytes { bytes in
        for run in 0..<(options.runs + 20) {
            let start = now()
            guard try writer.write(bytes, format: format, width: options.width, height: options.height,
                                   bytesPerLine: bytesPerLine, into: destination)
            else { fail("\(path): \(writer.lastProblem)") }
            if run >= 20 { times.append(now() - start) }
        }
    }
    let conversion = summary(times)
    var row = "| \(format.rawValue)"
    if let denominator = writer.jpegScaleDenominator {
        let alone = libjpegAlone(frame, denominator: denominator, runs: options.runs)
        let ours = conversion.median - alone.median
        row += " | \(formatted(alone)) at 1/\(denominator) | \(formatted(conversion)) | "
            + String(format: "%.1f µs (%.0f %%)", ours, 100 * ours / conversion.median)
    } else {
        row += " | – | \(formatted(conversion)) | all"
    }
    var capture: (median: Double, p90: Double)?
    if let device = options.devices[format] {
        let camera = Camera(.init(device: device, width: options.width, height: options.height, formats: [format]))
        do {
            try camera.start()
            var captureTimes: [UInt64] = []
            for run in 0..<(options.runs + 20) {
                usleep(3000)  // the test camera runs at 1000 fps: frames are waiting
                let start = now()
                _ = try camera.nextFrame(into: destination, timeoutMilliseconds: 1000)
                if run >= 20 { captureTimes.append(now() - start) }
            }
            camera.stop()
            capture = summary(captureTimes)
            row += " | \(formatted(capture!))"
        } catch {
            fail("\(error)")
        }
    }
    if let inference = options.inferenceMilliseconds {
        row += String(format: " | %.1f %%", conversion.median / (inference * 10))
        if let capture { row += String(format: " | %.1f %%", capture.median / (inference * 10)) }
    }
    print(row + " |")
}
if let inference = options.inferenceMilliseconds {
    print(String(format: "one VWW int8 inference (mobilenet bench, 1 thread): %.1f µs", inference * 1000))
}
