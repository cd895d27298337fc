// Text helpers shared by the SVG charts (training curves, roofline).

/// A coordinate with two decimals.
func svgNumber(_ value: Double) -> String {
    decimalText(value, places: 2)
}

/// `text` with XML's special characters escaped, characters XML forbids (controls, U+FFFE,
/// U+FFFF) dropped.
func svgEscaped(_ text: String) -> String {
    var out = ""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        default:
            let allowed = (scalar.value >= 0x20 || scalar == "\t") && scalar.value != 0xFFFE && scalar.value != 0xFFFF
            if allowed { out.unicodeScalars.append(scalar) }
        }
    }
    return out
}

/// The start of a `width` × `height` SVG document on a white background, with `title` as its
/// `<title>` and as a bold heading centred at the top. The caller appends the drawing and
/// `</svg>`.
func svgDocumentStart(width: Double, height: Double, title: String) -> String {
    let w = svgNumber(width), h = svgNumber(height)
    return """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(w)" height="\(h)" \
        viewBox="0 0 \(w) \(h)" font-family="Helvetica, Arial, sans-serif" font-size="12">
        <title>\(svgEscaped(title))</title>
        <rect x="0" y="0" width="\(w)" height="\(h)" fill="white"/>
        <text x="\(svgNumber(width / 2))" y="27" text-anchor="middle" font-size="16" \
        font-weight="bold">\(svgEscaped(title))</text>

        """
}
