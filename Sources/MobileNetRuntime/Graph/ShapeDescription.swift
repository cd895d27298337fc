extension Array where Element == Int {
    /// Renders a shape as `[1, 224, 224, 3]` for messages and tables.
    package var shapeDescription: String {
        var text = "["
        for (index, value) in enumerated() { text += (index == 0 ? "" : ", ") + "\(value)" }
        return text + "]"
    }
}
