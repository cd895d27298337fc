/// The picture of an arena plan (`mobilenet plan --plot`): arena addresses against steps, one
/// rectangle per buffer spanning its offset and bytes over the steps it is live (activation
/// tensors blue, scratch orange), with the arena size and the lower bound (the most bytes live at
/// one step) as horizontal lines. What a person sizing a board's memory wants to see.
public enum ArenaPlanChart {
    private static let width = 900.0, height = 580.0
    private static let left = 90.0, right = 870.0, top = 50.0, bottom = 490.0

    /// The SVG document of `plan`, headed `title`.
    public static func svg(_ plan: ArenaPlan, title: String) -> String {
        let steps = max(1, plan.steps.count)
        let kilobytes = Double(plan.arenaBytes) / 1024
        let y = ChartAxis(covering: [0, kilobytes], tickCount: 6, limits: 0...Double.infinity)
        let x = ChartAxis(wholeNumbersFrom: 0, to: steps, tickCount: 10)
        func px(_ step: Double) -> Double { left + (right - left) * x.fraction(step) }
        func py(_ kb: Double) -> Double { bottom - (bottom - top) * y.fraction(kb) }
        var out = svgDocumentStart(width: width, height: height, title: title)
        out += SVGPlotFrame(left: left, right: right, top: top, bottom: bottom,
                            xTicks: x.ticks.map { (px($0), x.label($0)) },
                            yTicks: y.ticks.map { (py($0), y.label($0)) }, verticalGridLines: false)
            .svg(xTitle: "step (execution order; a buffer spans its first to its last step)",
                 yTitle: "arena offset (KB)", yTitleX: 24)
        for buffer in plan.buffers {
            let x0 = px(Double(buffer.firstStep)), x1 = px(Double(buffer.lastStep + 1))
            let y0 = py(Double(buffer.offset + buffer.bytes) / 1024), y1 = py(Double(buffer.offset) / 1024)
            let fill = buffer.kind == .tensor ? "#9ecae1" : "#fdae6b"
            let stroke = buffer.kind == .tensor ? "#3182bd" : "#e6550d"
            out += "<rect x=\"\(svgNumber(x0))\" y=\"\(svgNumber(y0))\" width=\"\(svgNumber(max(0.5, x1 - x0)))\" "
                + "height=\"\(svgNumber(max(0.5, y1 - y0)))\" fill=\"\(fill)\" stroke=\"\(stroke)\" stroke-width=\"0.6\">"
                + "<title>\(svgEscaped(buffer.name)): \(buffer.bytes) bytes at \(buffer.offset), steps \(buffer.firstStep)–\(buffer.lastStep)</title></rect>\n"
        }
        /// A horizontal line at `bytes`, labelled above it (or below, for the lower bound, which
        /// is usually just under the arena line).
        func line(_ bytes: Int, _ label: String, below: Bool) {
            let y = py(Double(bytes) / 1024)
            out += "<line x1=\"\(svgNumber(left))\" y1=\"\(svgNumber(y))\" x2=\"\(svgNumber(right))\" y2=\"\(svgNumber(y))\" stroke=\"#222\""
                + (below ? " stroke-dasharray=\"5 4\"" : "") + "/>\n"
            out += "<text x=\"\(svgNumber(right - 4))\" y=\"\(svgNumber(below ? y + 15 : y - 5))\" text-anchor=\"end\">\(svgEscaped(label))</text>\n"
        }
        line(plan.arenaBytes, "arena \(plan.arenaBytes) bytes", below: false)
        line(plan.lowerBoundBytes, "lower bound \(plan.lowerBoundBytes) bytes (most live at one step)", below: true)
        let legend = bottom + 72
        out += "<rect x=\"\(svgNumber(left))\" y=\"\(svgNumber(legend - 10))\" width=\"12\" height=\"12\" fill=\"#9ecae1\" stroke=\"#3182bd\"/>"
            + "<text x=\"\(svgNumber(left + 18))\" y=\"\(svgNumber(legend))\">activation tensor</text>\n"
        out += "<rect x=\"\(svgNumber(left + 150))\" y=\"\(svgNumber(legend - 10))\" width=\"12\" height=\"12\" fill=\"#fdae6b\" stroke=\"#e6550d\"/>"
            + "<text x=\"\(svgNumber(left + 168))\" y=\"\(svgNumber(legend))\">scratch (int16 rows per worker)</text>\n"
        out += "<text x=\"\(svgNumber(right))\" y=\"\(svgNumber(legend))\" text-anchor=\"end\">TFLM greedy without in-place: "
            + "\(plan.greedyWithoutInPlaceBytes) bytes; naive sum: \(plan.naiveBytes) bytes</text>\n"
        return out + "</svg>\n"
    }

    /// Writes the SVG of `plan` to `path` (atomically).
    public static func write(_ plan: ArenaPlan, title: String, toPath path: String) throws {
        try writeFileAtomically(Array(svg(plan, title: title).utf8), toPath: path, what: "arena plan chart")
    }
}
