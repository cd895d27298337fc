import Testing
import MobileNet

/// Expects `parse` to throw a one-line `.malformed(format: format, ...)` whose description
/// mentions every string in `mentions`.
func expectMalformed(
    format: String, mentions: [String] = [], sourceLocation: SourceLocation = #_sourceLocation,
    _ parse: () throws -> Void
) {
    do {
        try parse()
        Issue.record("expected a malformed-file error mentioning \(mentions)", sourceLocation: sourceLocation)
    } catch let error as MobileNetError {
        guard case .malformed(let actual, _) = error else {
            Issue.record("expected .malformed, got \(error)", sourceLocation: sourceLocation)
            return
        }
        #expect(actual == format, sourceLocation: sourceLocation)
        let text = error.description
        #expect(!text.contains("\n"), "error is not one line: \(text)", sourceLocation: sourceLocation)
        for mention in mentions {
            #expect(text.contains(mention), "'\(text)' does not mention '\(mention)'", sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("unexpected error type \(error)", sourceLocation: sourceLocation)
    }
}
