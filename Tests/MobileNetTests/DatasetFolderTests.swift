import Foundation
import Testing
import MobileNet

/// `ImageFolderDataset` scanning, split discovery and `DecodedImageSet` decoding, on folders the
/// tests create (BMP files written here, so the expected pixels are known exactly).
@Suite struct DatasetFolderTests {
    /// A fresh empty temporary folder, removed by `remove`.
    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("mobilenet-dataset-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func make(_ root: URL, _ relative: String, _ bytes: [UInt8] = []) throws {
        let url = root.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }

    static func folder(_ root: URL, _ relative: String) throws {
        try FileManager.default.createDirectory(at: root.appendingPathComponent(relative), withIntermediateDirectories: true)
    }

    /// A 24-bit bottom-up BMP of `image`.
    static func bmp(_ image: RGBImage) -> [UInt8] {
        let stride = (image.width * 3 + 3) / 4 * 4
        func le(_ v: Int, _ n: Int) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        var bytes: [UInt8] = [0x42, 0x4D] + le(54 + stride * image.height, 4) + le(0, 4) + le(54, 4)
        bytes += le(40, 4) + le(image.width, 4) + le(image.height, 4) + le(1, 2) + le(24, 2) + le(0, 4)
            + le(stride * image.height, 4) + le(2835, 4) + le(2835, 4) + le(0, 4) + le(0, 4)
        for y in (0..<image.height).reversed() {
            for x in 0..<image.width {
                let p = (y * image.width + x) * 3
                bytes += [image.pixels[p + 2], image.pixels[p + 1], image.pixels[p]]
            }
            bytes += [UInt8](repeating: 0, count: stride - image.width * 3)
        }
        return bytes
    }

    static func random(width: Int, height: Int, _ rng: inout SeededGenerator) throws -> RGBImage {
        try RGBImage(width: width, height: height, pixels: (0..<width * height * 3).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
    }

    @Test func scansClassesAndImagesInNameOrder() throws {
        let root = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        for file in ["cat/b.PNG", "cat/a.jpg", "cat/c.txt", "cat/.hidden.jpg", "ant/z.JpEg", "ant/10.bmp",
                     "ant/9.bmp", "README.md", ".git/x.jpg", "bee/deeper/x.jpg", "bee/y.bmp", "cat/dir.jpg/q.jpg"] {
            try Self.make(root, file)
        }
        let dataset = try ImageFolderDataset(root: root)
        #expect(dataset.classNames == ["ant", "bee", "cat"])
        #expect(dataset.count == 6)
        #expect((0..<6).map { dataset.url($0).lastPathComponent } == ["10.bmp", "9.bmp", "z.JpEg", "y.bmp", "a.jpg", "b.PNG"])
        #expect((0..<6).map { dataset.label($0) } == [0, 0, 0, 1, 2, 2])
        #expect(dataset.url(5) == root.appendingPathComponent("cat").appendingPathComponent("b.PNG"))
    }

    @Test func scanningErrorsAreOneLine() throws {
        let root = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        func error(_ url: URL) -> String {
            do { _ = try ImageFolderDataset(root: url); return "no error" } catch { return "\(error)" }
        }
        #expect(error(root.appendingPathComponent("missing")) == "no such dataset folder: \(root.path)/missing")
        try Self.make(root, "file.jpg")
        #expect(error(root.appendingPathComponent("file.jpg")) == "not a folder: \(root.path)/file.jpg")
        #expect(error(root).hasPrefix("invalid argument: no class folders in \(root.path)"))
        try Self.make(root, "dog/notes.txt")
        try Self.make(root, "cow/a.jpg")
        #expect(error(root) == "invalid argument: class folder \(root.path)/dog has no .jpg, .jpeg, .png or .bmp images")
    }

    @Test func findsTrainAndTestOrValFolders() throws {
        let root = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        func error() -> String {
            do { _ = try ImageFolderDataset.splitFolders(in: root); return "no error" } catch { return "\(error)" }
        }
        #expect(error() == "invalid argument: no train/ folder in \(root.path)")
        try Self.folder(root, "train")
        #expect(error() == "invalid argument: no test/ or val/ folder in \(root.path)")
        try Self.folder(root, "val")
        #expect(try ImageFolderDataset.splitFolders(in: root).evaluation.lastPathComponent == "val")
        try Self.folder(root, "test")
        let splits = try ImageFolderDataset.splitFolders(in: root)
        #expect(splits.train == root.appendingPathComponent("train") && splits.evaluation == root.appendingPathComponent("test"))
    }

    @Test func decodesEveryImageOnceInDatasetOrder() throws {
        let root = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        var rng = SeededGenerator(seed: 3)
        var expected: [[UInt8]] = []
        for (c, name) in ["x", "y"].enumerated() {
            for i in 0..<(20 + c) {
                let image = try Self.random(width: 5, height: 4, &rng)
                try Self.make(root, "\(name)/\(String(format: "%02d", i)).bmp", Self.bmp(image))
                expected.append(image.pixels)
            }
        }
        let dataset = try ImageFolderDataset(root: root)
        let one = try DecodedImageSet(decoding: dataset, threads: 1)
        let three = try DecodedImageSet(decoding: dataset, threads: 3)
        #expect(one.pixels == expected.flatMap { $0 } && three.pixels == one.pixels)
        #expect(one.width == 5 && one.height == 4 && one.count == 41 && one.resizedCount == 0)
        #expect(one.labels == [Int32](repeating: 0, count: 20) + [Int32](repeating: 1, count: 21))
        #expect(one.classNames == ["x", "y"] && one.decodeSeconds > 0)
    }

    @Test func resizesImagesOfOtherSizesToTheStorageSize() throws {
        let root = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        var rng = SeededGenerator(seed: 4)
        let first = try Self.random(width: 6, height: 6, &rng), odd = try Self.random(width: 9, height: 4, &rng)
        try Self.make(root, "a/1.bmp", Self.bmp(first))
        try Self.make(root, "a/2.bmp", Self.bmp(odd))
        let set = try DecodedImageSet(decoding: ImageFolderDataset(root: root), threads: 2)
        #expect(set.width == 6 && set.height == 6 && set.resizedCount == 1)
        #expect(Array(set.pixels[0..<108]) == first.pixels)
        // The images helper's antialiased bilinear (Pillow's BILINEAR), rounded to bytes.
        let resized = try odd.resized(width: 6, height: 6).scalars.map { UInt8($0.rounded()) }
        #expect(Array(set.pixels[108...]) == resized)
        let stored = try DecodedImageSet(decoding: ImageFolderDataset(root: root), storageSize: 3)
        #expect(stored.width == 3 && stored.height == 3 && stored.resizedCount == 2)
    }

    @Test func aBrokenImageIsTheLowestIndexOneLineError() throws {
        let root = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        var rng = SeededGenerator(seed: 5)
        for i in 0..<40 {
            try Self.make(root, "a/\(String(format: "%02d", i)).bmp", Self.bmp(try Self.random(width: 2, height: 2, &rng)))
        }
        try Self.make(root, "a/17.bmp", [0x42, 0x4D, 1, 2])
        try Self.make(root, "a/31.bmp", [0x42, 0x4D, 1, 2])
        for threads in [1, 3] {
            #expect {
                _ = try DecodedImageSet(decoding: ImageFolderDataset(root: root), threads: threads)
            } throws: { "\($0)".contains("17.bmp") && !"\($0)".contains("\n") }
        }
    }
}
