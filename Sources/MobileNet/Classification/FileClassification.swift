#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The outcome for one image file: its most probable classes, or the one-line error that kept
/// it from being classified (unreadable, corrupt, unsupported format, too large).
public struct FileClassification: Sendable {
    public let file: URL
    public let result: Result<[ClassScore], MobileNetError>

    public init(file: URL, result: Result<[ClassScore], MobileNetError>) {
        self.file = file
        self.result = result
    }
}
