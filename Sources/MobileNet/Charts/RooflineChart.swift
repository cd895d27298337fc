#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A profile as a roofline picture (self-contained SVG): every layer's arithmetic intensity
/// (flops per byte of the traffic it cannot avoid: its input, output and weights, each read or
/// written once) against the GFLOP/s it ran at, on log-log axes, under the machine's two
/// roofs: the FMA peak, and memory bandwidth × intensity. A layer left of the ridge (where the
/// roofs meet) is memory-bound at best; the gap between a point and the roof above it is what
/// its kernel leaves on the table.
public struct RooflineChart: Sendable {
    /// One layer of the profile.
    public struct Layer: Sendable {
        public var index: Int
        /// The operator's name (`conv_2d`, `depthwise_conv_2d`, …): it picks the point's colour.
        public var op: String
        public var flops: Double
        public var bytes: Double
        public var seconds: Double

        public init(index: Int, op: String, flops: Double, bytes: Double, seconds: Double) {
            self.index = index
            self.op = op
            self.flops = flops
            self.bytes = bytes
            self.seconds = seconds
        }

        /// Flops per byte (0 without traffic).
        public var intensity: Double { bytes > 0 ? flops / bytes : 0 }
        /// The rate it ran at (0 when not timed).
        public var gigaflops: Double { seconds > 0 ? flops / seconds / 1e9 : 0 }
    }

    public var title: String
    public var layers: [Layer]
    public var peakGigaflops: Double
    public var bandwidthGigabytes: Double

    public init(title: String, layers: [Layer], peakGigaflops: Double, bandwidthGigabytes: Double) {
        self.title = title
        self.layers = layers
        self.peakGigaflops = peakGigaflops
        self.bandwidthGigabytes = bandwidthGigabytes
    }

    /// The intensity where the two roofs meet.
    public var ridge: Double { peakGigaflops / bandwidthGigabytes }

    /// The SVG document.
    public var svg: String {
        let drawn = layers.filter { $0.flops > 0 && $0.bytes > 0 && $0.seconds > 0 }
        let x = LogAxis(covering: drawn.map(\.intensity) + [ridge])
        let y = LogAxis(covering: drawn.map(\.gigaflops) + [peakGigaflops * 1.2])
        let plot = Plot(x: x, y: y)
        var out = svgDocumentStart(width: Plot.width, height: Plot.height, title: title)
        out += plot.frame(xLabel: "arithmetic intensity (flops per byte of input, output and weights)",
                          yLabel: "GFLOP/s")
        // The roofs: bandwidth × intensity up to the ridge, then the peak.
        let left = x.lower, right = x.upper
        let roofStart = max(left, min(right, y.lower / bandwidthGigabytes))
        out += "<polyline points=\"\(plot.point(roofStart, bandwidthGigabytes * roofStart)) "
            + "\(plot.point(ridge, peakGigaflops)) \(plot.point(right, peakGigaflops))\" fill=\"none\" "
            + "stroke=\"#333\" stroke-width=\"2\"/>\n"
        out += "<text x=\"\(svgNumber(plot.px(right) - 4))\" y=\"\(svgNumber(plot.py(peakGigaflops) - 6))\" "
            + "text-anchor=\"end\">FMA peak \(decimalText(peakGigaflops, places: 1)) GFLOP/s</text>\n"
        out += "<text x=\"\(svgNumber(plot.px(roofStart) + 6))\" y=\"\(svgNumber(plot.py(bandwidthGigabytes * roofStart) - 8))\">"
            + "memory \(decimalText(bandwidthGigabytes, places: 1)) GB/s</text>\n"
        for layer in drawn {
            let style = OpStyle(layer.op)
            let cx = svgNumber(plot.px(layer.intensity)), cy = svgNumber(plot.py(layer.gigaflops))
            out += "<circle cx=\"\(cx)\" cy=\"\(cy)\" r=\"4\" fill=\"\(style.color)\" fill-opacity=\"0.8\">"
                + "<title>\(layer.index) \(svgEscaped(layer.op)): \(decimalText(layer.gigaflops, places: 1)) GFLOP/s, "
                + "\(decimalText(layer.intensity, places: 1)) flops/byte</title></circle>\n"
            out += "<text x=\"\(svgNumber(plot.px(layer.intensity) + 6))\" y=\"\(svgNumber(plot.py(layer.gigaflops) + 4))\" "
                + "font-size=\"9\" fill=\"#555\">\(layer.index)</text>\n"
        }
        var legendX = Plot.left
        for style in OpStyle.all where drawn.contains(where: { OpStyle($0.op).name == style.name }) {
            out += "<circle cx=\"\(svgNumber(legendX + 5))\" cy=\"\(svgNumber(Plot.top - 14))\" r=\"4\" fill=\"\(style.color)\"/>\n"
            out += "<text x=\"\(svgNumber(legendX + 14))\" y=\"\(svgNumber(Plot.top - 10))\">\(style.name)</text>\n"
            legendX += 24 + 7 * Double(style.name.count)
        }
        return out + "</svg>\n"
    }

    /// Writes the SVG to `path` (atomically).
    public func write(toPath path: String) throws {
        try writeFileAtomically(Array(svg.utf8), toPath: path, what: "roofline chart")
    }
}

/// Colours of the operator kinds.
private struct OpStyle {
    let name: String
    let color: String

    static let all = [
        OpStyle(name: "conv_2d", color: "#1f77b4"), OpStyle(name: "depthwise_conv_2d", color: "#ff7f0e"),
        OpStyle(name: "fully_connected", color: "#2ca02c"), OpStyle(name: "other", color: "#7f7f7f"),
    ]

    init(name: String, color: String) {
        self.name = name
        self.color = color
    }

    init(_ op: String) {
        self = Self.all.first { $0.name == op } ?? Self.all[Self.all.count - 1]
    }
}

/// A logarithmic axis from a power of ten below the values to one above, ticked at powers of ten.
private struct LogAxis {
    let lower: Double
    let upper: Double

    init(covering values: [Double]) {
        let positive = values.filter { $0.isFinite && $0 > 0 }
        let low = floor(log10(positive.min() ?? 1)), high = ceil(log10(positive.max() ?? 10))
        lower = pow(10, low)
        upper = pow(10, max(high, low + 1))
    }

    var ticks: [Double] {
        let first = Int(log10(lower).rounded()), last = Int(log10(upper).rounded())
        return (first...last).map { pow(10, Double($0)) }
    }

    func fraction(_ value: Double) -> Double {
        (log10(max(value, lower)) - log10(lower)) / (log10(upper) - log10(lower))
    }

    func label(_ value: Double) -> String {
        decimalText(value, places: value < 1 ? Int((-log10(value)).rounded()) : 0)
    }
}

/// The plot area: coordinates, frame, grid, ticks and axis labels.
private struct Plot {
    static let width = 760.0, height = 520.0
    static let left = 80.0, right = 730.0, top = 70.0, bottom = 450.0
    let x: LogAxis
    let y: LogAxis

    func px(_ value: Double) -> Double { Self.left + x.fraction(value) * (Self.right - Self.left) }
    func py(_ value: Double) -> Double { Self.bottom - y.fraction(value) * (Self.bottom - Self.top) }
    func point(_ vx: Double, _ vy: Double) -> String { "\(svgNumber(px(vx))),\(svgNumber(py(min(vy, y.upper))))" }

    func frame(xLabel: String, yLabel: String) -> String {
        SVGPlotFrame(left: Self.left, right: Self.right, top: Self.top, bottom: Self.bottom,
                     xTicks: x.ticks.map { (px($0), x.label($0)) }, yTicks: y.ticks.map { (py($0), y.label($0)) },
                     verticalGridLines: true)
            .svg(xTitle: xLabel, yTitle: yLabel, yTitleX: 24)
    }
}
