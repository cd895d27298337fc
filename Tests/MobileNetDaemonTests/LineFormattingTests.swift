import Foundation
import Testing
@testable import MobileNetDaemon

/// Lines formatted by hand against libc's `gmtime_r`, `String(format:)` and `JSONSerialization`.
struct LineFormattingTests {
    func text(_ body: (inout LineBuffer) -> Void) -> String {
        var line = LineBuffer(capacity: 512)
        body(&line)
        return String(decoding: line.bytes, as: UTF8.self)
    }

    /// `gmtime_r` and `strftime`'s view of the same instant.
    func reference(_ nanoseconds: Int64) -> String {
        var seconds = time_t(nanoseconds >= 0 ? nanoseconds / 1_000_000_000 : (nanoseconds - 999_999_999) / 1_000_000_000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var buffer = [CChar](repeating: 0, count: 64)
        strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S", &parts)
        let milliseconds = (nanoseconds - Int64(seconds) * 1_000_000_000) / 1_000_000
        return String(cString: buffer) + String(format: ".%03dZ", Int(milliseconds))
    }

    @Test func isoTimesMatchGmtime() {
        var generator = SystemRandomNumberGenerator()
        var instants: [Int64] = [0, 1_796_565_600_123_000_000, 951_782_400_000_000_000, 4_107_542_399_999_999_999, -1]
        for _ in 0..<2000 { instants.append(Int64.random(in: -2_000_000_000_000_000_000...9_000_000_000_000_000_000, using: &generator)) }
        for instant in instants {
            #expect(text { $0.append(utcNanoseconds: instant) } == reference(instant), "\(instant)")
        }
        #expect(text { $0.append(utcNanoseconds: 1_796_565_600_123_456_789) } == "2026-12-06T14:00:00.123Z")
    }

    @Test func fixedDecimalsMatchPrintf() {
        var generator = SystemRandomNumberGenerator()
        let values = [0.93, 7.1, 0, 1, 123_456.789, 0.0001, 99.999] + (0..<2000).map { _ in Double.random(in: 0..<1000, using: &generator) }
        for value in values {
            for decimals in 0...4 {
                let ours = text { $0.append(fixed: value, decimals: decimals) }
                let reference = String(format: "%.\(decimals)f", value)
                // They may differ only at a tie (printf rounds the exact binary value).
                let scaled = value * pow(10, Double(decimals))
                let atTie = abs(scaled - scaled.rounded(.down) - 0.5) < 1e-6
                #expect(ours == reference || atTie, "\(value) with \(decimals) decimals: \(ours) vs \(reference)")
            }
        }
        #expect(text { $0.append(fixed: 0.93, decimals: 2) } == "0.93")
        #expect(text { $0.append(fixed: 7.14, decimals: 1) } == "7.1")
        #expect(text { $0.append(fixed: -2.5, decimals: 1) } == "-2.5")
        #expect(text { $0.append(-42) } == "-42")
    }

    @Test func textAndJSONLines() throws {
        let names = LabelNames(["no-person", "a \"quoted\"\\name\t"])
        let instant: Int64 = 1_796_565_600_123_000_000
        let textLine = text { LineFormatter(format: .text).format(into: &$0, utcNanoseconds: instant, frame: 7, label: 0, score: 0.934,
                                                                  latencyMilliseconds: 7.06, names: names) }
        #expect(textLine == "2026-12-06T14:00:00.123Z no-person 0.93\n")
        let unknown = text { LineFormatter(format: .text).format(into: &$0, utcNanoseconds: instant, frame: 7, label: nil, score: 0.5,
                                                                 latencyMilliseconds: 1, names: names) }
        #expect(unknown == "2026-12-06T14:00:00.123Z unknown 0.50\n")
        let json = text { LineFormatter(format: .json).format(into: &$0, utcNanoseconds: instant, frame: 17, label: 1, score: 0.93,
                                                              latencyMilliseconds: 7.1, names: names) }
        #expect(json.hasSuffix("}\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["time"] as? String == "2026-12-06T14:00:00.123Z")
        #expect(object["frame"] as? Int == 17)
        #expect(object["label"] as? String == "a \"quoted\"\\name\t")
        #expect(object["score"] as? Double == 0.93)
        #expect(object["latency_ms"] as? Double == 7.1)
    }
}
