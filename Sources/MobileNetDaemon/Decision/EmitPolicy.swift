/// When a label line is written: on every change of the label, for every frame, or at most
/// once per interval (the current label, whether or not it changed).
public enum EmitPolicy: Equatable, Sendable {
    case change
    case every
    case interval(seconds: Double)

    /// Parses `change`, `every` or `interval:SECONDS`.
    public init(parsing text: String) throws(SettingError) {
        switch text {
        case "change": self = .change
        case "every": self = .every
        default:
            guard text.hasPrefix("interval:"), let seconds = Double(text.dropFirst("interval:".count)),
                  seconds > 0, seconds <= 86_400
            else {
                throw SettingError("emit must be change, every or interval:SECONDS (0 < SECONDS <= 86400), not '\(text)'")
            }
            self = .interval(seconds: seconds)
        }
    }
}
