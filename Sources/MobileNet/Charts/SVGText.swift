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
