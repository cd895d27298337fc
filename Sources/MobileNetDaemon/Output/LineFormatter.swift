/// Writes one decision as a line: text `2026-12-06T14:00:00.123Z person 0.93`, or JSON Lines
/// `{"time":"2026-12-06T14:00:00.123Z","frame":17,"label":"person","score":0.93,"latency_ms":7.1}`.
/// Formats into a `LineBuffer` by hand: no allocation.
public struct LineFormatter: Sendable {
    public let format: WatchSettings.Format

    public init(format: WatchSettings.Format) {
        self.format = format
    }

    /// One line for frame number `frame`, captured at `utcNanoseconds`, whose label is `label`
    /// (nil: unknown) with `score`, `latencyMilliseconds` after capture.
    public func format(into line: inout LineBuffer, utcNanoseconds: Int64, frame: Int, label: Int?, score: Float,
                       latencyMilliseconds: Double, names: LabelNames) {
        line.clear()
        switch format {
        case .text:
            line.append(utcNanoseconds: utcNanoseconds)
            line.append(byte: 0x20)
            names.withText(label) { line.append($0) }
            line.append(byte: 0x20)
            line.append(fixed: Double(score), decimals: 2)
        case .json:
            line.append("{\"time\":\"")
            line.append(utcNanoseconds: utcNanoseconds)
            line.append("\",\"frame\":")
            line.append(frame)
            line.append(",\"label\":\"")
            names.withJSON(label) { line.append($0) }
            line.append("\",\"score\":")
            line.append(fixed: Double(score), decimals: 4)
            line.append(",\"latency_ms\":")
            line.append(fixed: latencyMilliseconds, decimals: 2)
            line.append(byte: 0x7D)  // "}"
        }
        line.endLine()
    }
}
