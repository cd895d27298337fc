/// Every error the runtime (and the `MobileNet` toolkit, which calls it `RuntimeError`)
/// throws: one case per kind of problem, each rendering as one line that names the problem (and
/// the file or tensor involved where there is one).
public enum RuntimeError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A file could not be opened, read or written.
    case io(String)
    /// A file is not a well-formed instance of its format (truncated, corrupted, inconsistent).
    case malformed(format: String, reason: String)
    /// A model uses something this engine does not implement (an operator, a data type, an option).
    case unsupported(String)
    /// Shapes that do not fit together (input tensor, weights, architecture).
    case shapeMismatch(String)
    /// A named tensor that should be present is not.
    case missingTensor(String)
    /// An argument outside its valid range (alpha <= 0, input smaller than 32, ...).
    case invalidArgument(String)
    /// The arena a caller passed is smaller than the plan needs.
    case arenaTooSmall(needed: Int, given: Int)
    /// The operating system refused a resource (memory, a worker thread).
    case outOfResources(String)

    public var description: String {
        switch self {
        case .io(let message): return message
        case .malformed(let format, let reason): return "malformed \(format): \(reason)"
        case .unsupported(let message): return "unsupported: \(message)"
        case .shapeMismatch(let message): return "shape mismatch: \(message)"
        case .missingTensor(let name): return "missing tensor '\(name)'"
        case .invalidArgument(let message): return "invalid argument: \(message)"
        case .arenaTooSmall(let needed, let given):
            return "arena too small: the plan needs \(needed) bytes, the buffer given has \(given)"
        case .outOfResources(let message): return "out of resources: \(message)"
        }
    }
}
