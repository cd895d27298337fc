/// The training curves of a run as a self-contained SVG picture: two panels side by side,
/// loss (train and validation) and top-1 accuracy in % (train and validation) per epoch,
/// each with ticked, labelled axes and a legend above it, under a title.
///
/// Non-finite values (a diverged loss, a metric not measured) break the line instead of
/// being drawn; every point is also marked, so a single epoch shows as a dot.
public struct CurveChart: Sendable {
    /// The picture's file name inside a run folder.
    public static let fileName = "curves.svg"

    /// The heading above both panels.
    public var title: String
    /// The epochs to draw, in any order.
    public var records: [EpochMetrics]

    public init(title: String, records: [EpochMetrics]) {
        self.title = title
        self.records = records
    }

    /// The SVG document.
    public var svg: String {
        let epochs = records.sorted { $0.epoch < $1.epoch }
        let xAxis = ChartAxis(wholeNumbersFrom: epochs.first?.epoch ?? 1, to: epochs.last?.epoch ?? 1)
        let x = epochs.map { Double($0.epoch) }
        let loss = Panel(
            originX: 0, yLabel: "loss", xAxis: xAxis,
            series: [Series(name: "train", style: .train, x: x, y: epochs.map(\.trainLoss)),
                     Series(name: "validation", style: .validation, x: x, y: epochs.map(\.valLoss))],
            yLimits: nil)
        let accuracy = Panel(
            originX: Layout.panelWidth, yLabel: "top-1 accuracy (%)", xAxis: xAxis,
            series: [Series(name: "train top-1", style: .train, x: x, y: epochs.map { $0.trainTop1 * 100 }),
                     Series(name: "validation top-1", style: .validation, x: x, y: epochs.map { $0.valTop1 * 100 })],
            yLimits: 0...100)
        var svg = svgDocumentStart(width: 2 * Layout.panelWidth, height: Layout.height, title: title)
        svg += loss.svg
        svg += accuracy.svg
        svg += "</svg>\n"
        return svg
    }

    /// Writes the SVG to `runDirectory`/`curves.svg` (atomically) and returns that path.
    @discardableResult
    public func write(inRunDirectory runDirectory: String) throws -> String {
        let path = runDirectory.hasSuffix("/") ? runDirectory + Self.fileName : runDirectory + "/" + Self.fileName
        try writeFileAtomically(Array(svg.utf8), toPath: path, what: "curve chart")
        return path
    }
}

/// Sizes of the picture, in SVG user units (pixels).
private enum Layout {
    static let panelWidth = 480.0
    static let height = 420.0
    static let plotLeft = 72.0     // from the panel's left edge
    static let plotRight = 20.0    // from the panel's right edge
    static let plotTop = 70.0
    static let plotBottom = 360.0
}

/// How a curve is drawn.
private enum SeriesStyle {
    case train, validation

    var color: String { self == .train ? "#1f77b4" : "#d62728" }
    var dash: String { self == .train ? "" : " stroke-dasharray=\"6 3\"" }
    var cssClass: String { self == .train ? "train" : "validation" }
}

/// One curve: its legend name and its points (non-finite `y` values break the line).
private struct Series {
    let name: String
    let style: SeriesStyle
    let x: [Double]
    let y: [Double]
}

/// One panel: frame, grid, ticks, axis labels, curves and legend.
private struct Panel {
    let originX: Double
    let yLabel: String
    let xAxis: ChartAxis
    let series: [Series]
    let yAxis: ChartAxis

    init(originX: Double, yLabel: String, xAxis: ChartAxis, series: [Series], yLimits: ClosedRange<Double>?) {
        self.originX = originX
        self.yLabel = yLabel
        self.xAxis = xAxis
        self.series = series
        yAxis = ChartAxis(covering: series.flatMap(\.y), limits: yLimits)
    }

    var left: Double { originX + Layout.plotLeft }
    var right: Double { originX + Layout.panelWidth - Layout.plotRight }
    let top = Layout.plotTop
    let bottom = Layout.plotBottom

    func px(_ value: Double) -> Double { min(max(left + xAxis.fraction(value) * (right - left), left), right) }
    func py(_ value: Double) -> Double { min(max(bottom - yAxis.fraction(value) * (bottom - top), top), bottom) }

    var svg: String {
        var out = "<g class=\"panel\">\n"
        out += SVGPlotFrame(left: left, right: right, top: top, bottom: bottom,
                            xTicks: xAxis.ticks.map { (px($0), xAxis.label($0)) },
                            yTicks: yAxis.ticks.map { (py($0), yAxis.label($0)) }, verticalGridLines: false)
            .svg(xTitle: "epoch", yTitle: yLabel, yTitleX: originX + 18)
        if !series.contains(where: { $0.y.contains(where: \.isFinite) }) {
            out += "<text x=\"\(svgNumber((left + right) / 2))\" y=\"\(svgNumber((top + bottom) / 2))\" "
                + "text-anchor=\"middle\" fill=\"#888\">no data</text>\n"
        }
        for curve in series { out += curveSVG(curve) }
        out += legendSVG
        out += "</g>\n"
        return out
    }

    /// The curve as polylines over runs of finite values, plus a dot per finite point.
    private func curveSVG(_ curve: Series) -> String {
        let style = curve.style
        var runs: [[String]] = [[]]
        var dots = ""
        for (x, y) in zip(curve.x, curve.y) {
            guard y.isFinite else {
                if !runs[runs.count - 1].isEmpty { runs.append([]) }
                continue
            }
            let cx = svgNumber(px(x)), cy = svgNumber(py(y))
            runs[runs.count - 1].append("\(cx),\(cy)")
            dots += "<circle class=\"\(style.cssClass)\" cx=\"\(cx)\" cy=\"\(cy)\" r=\"2.5\" fill=\"\(style.color)\"/>\n"
        }
        var out = ""
        for run in runs where run.count > 1 {
            out += "<polyline class=\"\(style.cssClass)\" points=\"\(run.joined(separator: " "))\" fill=\"none\" "
                + "stroke=\"\(style.color)\" stroke-width=\"2\"\(style.dash)/>\n"
        }
        return out + dots
    }

    /// The legend: one row above the plot, a line sample and the name per curve.
    private var legendSVG: String {
        let y = top - 14
        var x = left
        var out = ""
        for curve in series {
            out += "<line x1=\"\(svgNumber(x))\" y1=\"\(svgNumber(y))\" x2=\"\(svgNumber(x + 24))\" y2=\"\(svgNumber(y))\" "
                + "stroke=\"\(curve.style.color)\" stroke-width=\"2\"\(curve.style.dash)/>\n"
            out += "<text x=\"\(svgNumber(x + 30))\" y=\"\(svgNumber(y + 4))\">\(svgEscaped(curve.name))</text>\n"
            x += 30 + 7 * Double(curve.name.count) + 20  // about 7 units per character at font size 12
        }
        return out
    }
}
