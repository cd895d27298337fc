import Foundation
import Testing
import MobileNet

/// The file side of classification: labels files, folder walking, and classifying files where
/// some cannot be decoded (each gets its own error, the others their scores, in order).
@Suite struct ClassifierFilesTests {
    /// A fresh temporary folder.
    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("classifier-files-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func write(_ text: String, _ url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    /// `image` as an uncompressed 24-bit BMP (bottom-up rows of B, G, R padded to 4 bytes).
    static func bmp(_ image: RGBImage) -> Data {
        let rowBytes = (image.width * 3 + 3) / 4 * 4
        var bytes = [UInt8]()
        func le(_ value: Int, _ count: Int) { for i in 0..<count { bytes.append(UInt8((value >> (8 * i)) & 0xFF)) } }
        bytes += Array("BM".utf8)
        le(54 + rowBytes * image.height, 4); le(0, 4); le(54, 4)
        le(40, 4); le(image.width, 4); le(image.height, 4); le(1, 2); le(24, 2); le(0, 4)
        le(rowBytes * image.height, 4); le(2835, 4); le(2835, 4); le(0, 4); le(0, 4)
        for y in (0..<image.height).reversed() {
            for x in 0..<image.width {
                let p = (y * image.width + x) * 3
                bytes += [image.pixels[p + 2], image.pixels[p + 1], image.pixels[p]]
            }
            bytes += [UInt8](repeating: 0, count: rowBytes - image.width * 3)
        }
        return Data(bytes)
    }

    @Test func labelsFilesAreOneLabelPerLine() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let good = folder.appendingPathComponent("labels.txt")
        try Self.write("\u{FEFF}tench, Tinca tinca\r\ngoldfish\nwhite shark\n", good)
        #expect(try ClassLabels.read(contentsOf: good) == ["tench, Tinca tinca", "goldfish", "white shark"])
        #expect(try ClassLabels.read(contentsOf: good, expectedCount: 3).count == 3)

        #expect(throws: MobileNetError.shapeMismatch("labels file \(good.path) has 3 labels but the model has 4 classes")) {
            try ClassLabels.read(contentsOf: good, expectedCount: 4)
        }
        let missing = folder.appendingPathComponent("missing.txt")
        #expect(throws: MobileNetError.io("no such file: \(missing.path)")) { try ClassLabels.read(contentsOf: missing) }
        let gap = folder.appendingPathComponent("gap.txt")
        try Self.write("a\n\nb\n", gap)
        #expect(throws: MobileNetError.invalidArgument("labels file \(gap.path): line 2 is empty")) {
            try ClassLabels.read(contentsOf: gap)
        }
        let empty = folder.appendingPathComponent("empty.txt")
        try Self.write("", empty)
        #expect(throws: MobileNetError.invalidArgument("labels file \(empty.path) holds no labels")) {
            try ClassLabels.read(contentsOf: empty)
        }
    }

    @Test func classifierTakesItsNamesFromALabelsFileOfTheRightLength() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let labels = folder.appendingPathComponent("labels.txt")
        try Self.write((0..<7).map { "kind \($0)" }.joined(separator: "\n"), labels)
        let graph = try InferenceGraph(ClassifierTests.model)
        let classifier = try ImageClassifier(model: .float(graph), classNames: ClassifierTests.names, labelsFile: labels)
        #expect(classifier.classNames == (0..<7).map { "kind \($0)" })
        try Self.write("a\nb\n", labels)
        #expect(throws: MobileNetError.shapeMismatch("labels file \(labels.path) has 2 labels but the model has 7 classes")) {
            try ImageClassifier(model: .float(graph), labelsFile: labels)
        }
    }

    @Test func foldersAreWalkedRecursivelyForImagesInPathOrder() throws {
        let root = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        for name in ["b.JPG", "a.png", "notes.txt", ".hidden.jpg", "sub/c.jpeg", "sub/deeper/d.bmp", ".git/e.jpg", "sub/f.Png"] {
            try Self.write("x", root.appendingPathComponent(name))
        }
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("sub/loop").path, withDestinationPath: root.path)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("empty"), withIntermediateDirectories: true)
        let missing = root.appendingPathComponent("missing.jpg").path
        let list = ImageFileList(paths: [missing, root.path, root.appendingPathComponent("empty").path,
                                         root.appendingPathComponent("notes.txt").path])
        #expect(list.files.map(\.path) == [missing] + ["a.png", "b.JPG", "sub/c.jpeg", "sub/deeper/d.bmp", "sub/f.Png", "notes.txt"]
            .map { root.appendingPathComponent($0).path })
        #expect(list.problems == [.invalidArgument("no .jpg, .jpeg, .png or .bmp images in folder \(root.appendingPathComponent("empty").path)")])
    }

    @Test func badFilesGetTheirOwnErrorAndTheRestAreClassified() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let images = ClassifierTests.images(4, seed: 8)
        var files: [URL] = []
        for (index, image) in images.enumerated() {
            let url = folder.appendingPathComponent("image\(index).bmp")
            try Self.bmp(image).write(to: url)
            files.append(url)
        }
        let corrupt = folder.appendingPathComponent("corrupt.jpg")
        try Data([0xFF, 0xD8, 0xFF, 0xE0, 0, 16]).write(to: corrupt)
        let missing = folder.appendingPathComponent("missing.png")
        files.insert(corrupt, at: 1)
        files.insert(missing, at: 3)
        let classifier = try ImageClassifier(model: .float(InferenceGraph(ClassifierTests.model)), classNames: ClassifierTests.names,
                                             batchSize: 3, threads: 2)
        var batches: [[FileClassification]] = []
        try classifier.classify(files: files, top: 2) { batches.append($0) }
        #expect(batches.map(\.count) == [3, 3])
        let outcomes = batches.flatMap { $0 }
        #expect(outcomes.map(\.file) == files)
        let expected = try classifier.classify(images, top: 2)
        var next = expected.makeIterator()
        for outcome in outcomes {
            switch outcome.result {
            case .success(let scores):
                #expect(outcome.file != corrupt && outcome.file != missing)
                #expect(scores == next.next())
            case .failure(let error):
                #expect(outcome.file == corrupt || outcome.file == missing)
                #expect("\(error)".contains(outcome.file.path), "\(error)")
            }
        }
        #expect(next.next() == nil)
    }
}
