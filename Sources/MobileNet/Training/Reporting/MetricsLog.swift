#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The metrics log of a training run: `metrics.jsonl` in the run folder, one JSON object
/// (`EpochMetrics`) per line and per epoch, appended as each epoch ends.
///
/// Each record goes to the file with one `write` and an `fsync`, so an interrupted run keeps
/// every finished epoch. Reading tolerates a last line cut short by a crash (it is dropped);
/// any other bad line is an error naming the file and line.
public final class MetricsLog {
    /// The log's file name inside a run folder.
    public static let fileName = "metrics.jsonl"

    /// The log's path.
    public let path: String
    /// Every record in the log, oldest first.
    public private(set) var records: [EpochMetrics]
    private let descriptor: Int32

    /// Starts an empty log in the existing folder `runDirectory`, replacing any earlier log.
    public convenience init(creatingIn runDirectory: String) throws {
        let path = Self.path(in: runDirectory)
        try Self.replace(path, with: [])
        try self.init(path: path, records: [])
    }

    /// Reopens the log of a run resumed from the checkpoint of epoch `epoch`: keeps the
    /// records of epochs up to `epoch`, drops the later ones (rewriting the file atomically),
    /// and appends after them. A missing log starts empty.
    public convenience init(resumingIn runDirectory: String, afterEpoch epoch: Int) throws {
        let path = Self.path(in: runDirectory)
        var kept: [EpochMetrics] = []
        if access(path, F_OK) == 0 {
            kept = try Self.read(path: path).filter { $0.epoch <= epoch }
        }
        try Self.replace(path, with: kept)
        try self.init(path: path, records: kept)
    }

    private init(path: String, records: [EpochMetrics]) throws {
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw MobileNetError.io("cannot open metrics log \(path): \(systemReason(errno))")
        }
        self.path = path
        self.records = records
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
    }

    /// Appends one epoch's record and flushes it to disk. Epochs must increase.
    public func append(_ record: EpochMetrics) throws {
        if let last = records.last, record.epoch <= last.epoch {
            throw MobileNetError.invalidArgument(
                "metrics for epoch \(record.epoch) appended after epoch \(last.epoch) in \(path)")
        }
        let line = try Self.line(record)
        var written = 0
        while written < line.count {
            let count = line.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, $0.count - written) }
            if count < 0 {
                if errno == EINTR { continue }
                throw MobileNetError.io("cannot write metrics log \(path): \(systemReason(errno))")
            }
            written += count
        }
        guard fsync(descriptor) == 0 || errno == EINVAL else {
            throw MobileNetError.io("cannot flush metrics log \(path): \(systemReason(errno))")
        }
        records.append(record)
    }

    /// The records of the log at `path`, oldest first.
    public static func read(path: String) throws -> [EpochMetrics] {
        let bytes = try readFileBytes(URL(fileURLWithPath: path), what: "metrics log")
        let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        let decoder = JSONDecoder()
        var records: [EpochMetrics] = []
        for (index, line) in lines.enumerated() where !line.allSatisfy({ $0 == 0x20 || $0 == 0x0D }) {
            let isUnterminatedLast = index == lines.count - 1
            guard let record = try? decoder.decode(EpochMetrics.self, from: Data(line)) else {
                if isUnterminatedLast { break }  // the last write was cut short
                throw MobileNetError.malformed(format: "metrics log",
                                               reason: "\(path) line \(index + 1) is not an epoch record")
            }
            if let last = records.last, record.epoch <= last.epoch {
                throw MobileNetError.malformed(
                    format: "metrics log",
                    reason: "\(path) line \(index + 1): epoch \(record.epoch) follows epoch \(last.epoch)")
            }
            records.append(record)
        }
        return records
    }

    static func path(in runDirectory: String) -> String {
        runDirectory.hasSuffix("/") ? runDirectory + fileName : runDirectory + "/" + fileName
    }

    /// One record as a JSON line (keys sorted, newline-terminated).
    static func line(_ record: EpochMetrics) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(record)) + [UInt8(ascii: "\n")]
    }

    /// Writes `records` as the whole log at `path`, atomically.
    private static func replace(_ path: String, with records: [EpochMetrics]) throws {
        try writeFileAtomically(try records.flatMap { try line($0) }, toPath: path, what: "metrics log")
    }
}
