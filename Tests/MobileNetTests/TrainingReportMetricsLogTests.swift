import Foundation
import Testing

import MobileNet

@Suite struct TrainingReportMetricsLogTests {
    /// A fresh empty folder under the temporary directory; removed by the caller.
    static func makeFolder() throws -> String {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("mobilenet-metrics-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    static func record(_ epoch: Int, trainLoss: Double = 2.0, valLoss: Double = 1.5) -> EpochMetrics {
        EpochMetrics(epoch: epoch, step: epoch * 391, learningRate: 0.1 / Double(epoch),
                     trainLoss: trainLoss, trainTop1: 0.25 + 0.01 * Double(epoch), valLoss: valLoss,
                     valTop1: 0.3, valTop5: 0.8125, imagesPerSecond: 1234.5, epochSeconds: 40.5,
                     dataSeconds: 1.25)
    }

    static func lines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    @Test func recordsRoundTripAsOneJSONObjectPerLine() throws {
        let folder = try Self.makeFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let log = try MetricsLog(creatingIn: folder)
        #expect(log.path == folder + "/metrics.jsonl")
        let written = [Self.record(1), Self.record(2, valLoss: .nan), Self.record(3, trainLoss: .infinity)]
        for record in written { try log.append(record) }

        // Every line is a complete JSON object with the documented keys; non-finite values are null.
        let lines = try Self.lines(log.path)
        #expect(lines.count == 3)
        let objects = try lines.map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(Set(objects[0].keys) == ["epoch", "step", "lr", "train_loss", "train_top1", "val_loss", "val_top1",
                                          "val_top5", "images_per_second", "epoch_seconds", "data_seconds"])
        #expect(objects[0]["epoch"] as? Int == 1)
        #expect(objects[0]["step"] as? Int == 391)
        #expect(objects[0]["val_top5"] as? Double == 0.8125)
        #expect(objects[0]["lr"] as? Double == 0.1)
        #expect(objects[1]["val_loss"] is NSNull)
        #expect(objects[2]["train_loss"] is NSNull)

        // Read back: equal, the infinite loss coming back as NaN (not measured).
        var expected = written
        expected[2].trainLoss = .nan
        #expect(try MetricsLog.read(path: log.path) == expected)
        #expect(log.records == written)
    }

    @Test func resumingKeepsTheEpochsUpToTheCheckpoint() throws {
        let folder = try Self.makeFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        do {
            let log = try MetricsLog(creatingIn: folder)
            for epoch in 1...4 { try log.append(Self.record(epoch)) }
        }
        let resumed = try MetricsLog(resumingIn: folder, afterEpoch: 2)
        #expect(resumed.records.map(\.epoch) == [1, 2])
        #expect(try Self.lines(resumed.path).count == 2)
        try resumed.append(Self.record(3, trainLoss: 0.5))
        #expect(try MetricsLog.read(path: resumed.path) == [Self.record(1), Self.record(2), Self.record(3, trainLoss: 0.5)])

        // Epochs must increase.
        #expect(throws: MobileNetError.self) { try resumed.append(Self.record(3)) }
        #expect(try MetricsLog.read(path: resumed.path).count == 3)

        // A new run replaces the log.
        let fresh = try MetricsLog(creatingIn: folder)
        #expect(fresh.records.isEmpty)
        #expect(try MetricsLog.read(path: fresh.path).isEmpty)
    }

    @Test func resumingWithoutALogStartsEmpty() throws {
        let folder = try Self.makeFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let log = try MetricsLog(resumingIn: folder + "/", afterEpoch: 7)
        #expect(log.records.isEmpty)
        try log.append(Self.record(8))
        #expect(try MetricsLog.read(path: folder + "/metrics.jsonl").map(\.epoch) == [8])
    }

    @Test func aLastLineCutShortIsDroppedOtherBadLinesAreErrors() throws {
        let folder = try Self.makeFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/metrics.jsonl"
        let good1 = #"{"data_seconds":1,"epoch":1,"epoch_seconds":2,"images_per_second":3,"lr":0.5,"step":10,"#
            + #""train_loss":2.25,"train_top1":0.125,"val_loss":null,"val_top1":0.5,"val_top5":1}"#
        let good2 = #"{"epoch":2,"step":20,"lr":0.25}"#
        try (good1 + "\n" + good2 + "\n" + #"{"epoch":3,"st"#).write(toFile: path, atomically: true, encoding: .utf8)
        let records = try MetricsLog.read(path: path)
        #expect(records.map(\.epoch) == [1, 2])
        #expect(records[0] == EpochMetrics(epoch: 1, step: 10, learningRate: 0.5, trainLoss: 2.25, trainTop1: 0.125,
                                           valLoss: .nan, valTop1: 0.5, valTop5: 1, imagesPerSecond: 3,
                                           epochSeconds: 2, dataSeconds: 1))
        #expect(records[1].trainLoss.isNaN && records[1].learningRate == 0.25)

        // Resuming rewrites the torn file, so the next record starts on its own line.
        let log = try MetricsLog(resumingIn: folder, afterEpoch: 2)
        try log.append(Self.record(3))
        #expect(try MetricsLog.read(path: path).map(\.epoch) == [1, 2, 3])

        try (good1 + "\nnot json\n" + good2 + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        expectMalformed(format: "metrics log", mentions: [path, "line 2"]) { _ = try MetricsLog.read(path: path) }
        try (good2 + "\n" + good1 + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        expectMalformed(format: "metrics log", mentions: [path, "line 2", "epoch 1"]) { _ = try MetricsLog.read(path: path) }
    }

    @Test func aMissingFolderIsAOneLineIOError() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("no-such-\(UUID().uuidString)").path
        do {
            _ = try MetricsLog(creatingIn: folder)
            Issue.record("expected an error")
        } catch let error as MobileNetError {
            guard case .io(let message) = error else { Issue.record("expected .io, got \(error)"); return }
            #expect(message.contains(folder + "/metrics.jsonl") && !message.contains("\n"))
        }
        #expect(throws: MobileNetError.io("no such file: \(folder)/metrics.jsonl")) {
            _ = try MetricsLog.read(path: folder + "/metrics.jsonl")
        }
    }
}
