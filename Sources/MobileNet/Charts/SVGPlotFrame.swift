/// The frame of one plot in an SVG chart: horizontal grid lines at the y ticks (and vertical
/// ones at the x ticks when asked), outer tick marks with their labels, the border and the two
/// axis titles. Shared by the training curves and the roofline picture.
struct SVGPlotFrame {
    /// The plot area, in SVG units.
    let left: Double, right: Double, top: Double, bottom: Double
    /// Tick positions in SVG units and their labels.
    let xTicks: [(position: Double, label: String)]
    let yTicks: [(position: Double, label: String)]
    /// Grid lines at the x ticks too (the roofline's log axes), not only at the y ticks.
    let verticalGridLines: Bool

    /// The frame's SVG elements; the y title is centred at `yTitleX`, turned upright.
    func svg(xTitle: String, yTitle: String, yTitleX: Double) -> String {
        var out = ""
        for tick in yTicks {
            let y = svgNumber(tick.position)
            out += "<line x1=\"\(svgNumber(left))\" y1=\"\(y)\" x2=\"\(svgNumber(right))\" y2=\"\(y)\" stroke=\"#e6e6e6\"/>\n"
            out += "<line x1=\"\(svgNumber(left - 5))\" y1=\"\(y)\" x2=\"\(svgNumber(left))\" y2=\"\(y)\" stroke=\"#444\"/>\n"
            out += "<text x=\"\(svgNumber(left - 8))\" y=\"\(svgNumber(tick.position + 4))\" text-anchor=\"end\">\(tick.label)</text>\n"
        }
        for tick in xTicks {
            let x = svgNumber(tick.position)
            if verticalGridLines {
                out += "<line x1=\"\(x)\" y1=\"\(svgNumber(top))\" x2=\"\(x)\" y2=\"\(svgNumber(bottom))\" stroke=\"#e6e6e6\"/>\n"
            }
            out += "<line x1=\"\(x)\" y1=\"\(svgNumber(bottom))\" x2=\"\(x)\" y2=\"\(svgNumber(bottom + 5))\" stroke=\"#444\"/>\n"
            out += "<text x=\"\(x)\" y=\"\(svgNumber(bottom + 19))\" text-anchor=\"middle\">\(tick.label)</text>\n"
        }
        out += "<rect x=\"\(svgNumber(left))\" y=\"\(svgNumber(top))\" width=\"\(svgNumber(right - left))\" "
            + "height=\"\(svgNumber(bottom - top))\" fill=\"none\" stroke=\"#444\"/>\n"
        out += "<text x=\"\(svgNumber((left + right) / 2))\" y=\"\(svgNumber(bottom + 40))\" "
            + "text-anchor=\"middle\">\(svgEscaped(xTitle))</text>\n"
        let tx = svgNumber(yTitleX), ty = svgNumber((top + bottom) / 2)
        out += "<text x=\"\(tx)\" y=\"\(ty)\" text-anchor=\"middle\" transform=\"rotate(-90 \(tx) \(ty))\">\(svgEscaped(yTitle))</text>\n"
        return out
    }
}
