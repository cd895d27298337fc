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

/// A labelled image collection laid out like torchvision's `ImageFolder`:
/// `root/<class>/<image>.jpg|jpeg|png|bmp` (extensions case-insensitive).
///
/// Classes are the sub-folders of `root` sorted by name (byte order of their UTF-8 names, as
/// Python sorts), labels are their positions in that order, and images are sorted by file
/// name inside each class, so the same folder always gives the same indices. Hidden entries
/// (names starting with "."), other files and folders nested deeper are ignored. Only the file
/// names are read here; decoding is `DecodedImageSet`'s job.
public struct ImageFolderDataset: Sendable {
    /// The folder that holds one sub-folder per class.
    public let root: URL
    /// The class names (folder names), in label order.
    public let classNames: [String]
    /// File extensions taken as images (compared lower-cased).
    public static let imageExtensions: Set<String> = ["jpg", "jpeg", "png", "bmp"]

    private let files: [String]
    private let labels: [Int32]

    /// The number of images.
    public var count: Int { files.count }

    /// The class index of image `index` (0..<count).
    public func label(_ index: Int) -> Int { Int(labels[index]) }

    /// The file of image `index` (0..<count).
    public func url(_ index: Int) -> URL {
        root.appendingPathComponent(classNames[Int(labels[index])]).appendingPathComponent(files[index])
    }

    /// Scans `root`; throws a one-line error when it is missing or not a folder, has no class
    /// folders, or a class folder holds no image.
    public init(root: URL) throws {
        self.root = root
        let classNames = try Self.entries(of: root, what: "dataset folder").filter { Self.isFolder(root.appendingPathComponent($0)) }
        guard !classNames.isEmpty else {
            throw MobileNetError.invalidArgument(
                "no class folders in \(root.path) (expected \(root.path)/<class>/<image>.jpg)")
        }
        guard classNames.count <= Int(Int32.max) else {
            throw MobileNetError.invalidArgument("too many class folders in \(root.path): \(classNames.count)")
        }
        var files: [String] = []
        var labels: [Int32] = []
        for (label, name) in classNames.enumerated() {
            let folder = root.appendingPathComponent(name)
            let images = try Self.entries(of: folder, what: "class folder").filter {
                Self.imageExtensions.contains(Self.pathExtension($0).lowercased())
                    && !Self.isFolder(folder.appendingPathComponent($0))
            }
            guard !images.isEmpty else {
                throw MobileNetError.invalidArgument(
                    "class folder \(folder.path) has no .jpg, .jpeg, .png or .bmp images")
            }
            files += images
            labels += repeatElement(Int32(label), count: images.count)
        }
        self.classNames = classNames
        self.files = files
        self.labels = labels
    }

    /// The training and evaluation folders of a dataset folder `directory`: `train/`, and
    /// `test/` or else `val/`; throws a one-line error naming what is missing.
    public static func splitFolders(in directory: URL) throws -> (train: URL, evaluation: URL) {
        guard isFolder(directory) else { throw MobileNetError.io("no such folder: \(directory.path)") }
        let train = directory.appendingPathComponent("train")
        guard isFolder(train) else {
            throw MobileNetError.invalidArgument("no train/ folder in \(directory.path)")
        }
        for name in ["test", "val"] where isFolder(directory.appendingPathComponent(name)) {
            return (train, directory.appendingPathComponent(name))
        }
        throw MobileNetError.invalidArgument("no test/ or val/ folder in \(directory.path)")
    }

    /// The visible entries of a folder, sorted by the bytes of their UTF-8 names.
    private static func entries(of folder: URL, what: String) throws -> [String] {
        guard let isDirectory = isFolder(folder.path) else {
            throw MobileNetError.io("no such \(what): \(folder.path)")
        }
        guard isDirectory else { throw MobileNetError.io("not a folder: \(folder.path)") }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        } catch {
            throw MobileNetError.io("cannot list \(what) \(folder.path)")
        }
        return names.filter { !$0.hasPrefix(".") }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// True when `url` is a folder (or a link to one).
    private static func isFolder(_ url: URL) -> Bool { isFolder(url.path) == true }

    /// Whether `path` is a folder (following links); nil when nothing is there.
    private static func isFolder(_ path: String) -> Bool? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return status.st_mode & S_IFMT == S_IFDIR
    }

    /// The text after the last "." of a file name ("" when there is none).
    private static func pathExtension(_ name: String) -> String {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return String(name[name.index(after: dot)...])
    }
}
