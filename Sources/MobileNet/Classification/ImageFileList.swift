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

/// The image files named by a list of paths (command-line arguments): a file is taken as it is
/// (its format is told by its bytes when it is decoded, so a missing or bad file gets its own
/// error then); a folder is walked recursively for `.jpg`, `.jpeg`, `.png` and `.bmp` files
/// (extensions case-insensitive, hidden entries skipped, links followed, each folder visited
/// once), sorted by the bytes of their paths, in place of the folder.
public struct ImageFileList: Sendable {
    /// The files, in argument order.
    public private(set) var files: [URL] = []
    /// One-line errors for folders that could not be listed or hold no images.
    public private(set) var problems: [MobileNetError] = []

    public init(paths: [String]) {
        for path in paths {
            guard Self.isFolder(path) == true else {
                files.append(URL(fileURLWithPath: path))
                continue
            }
            var found: [String] = []
            var visited: Set<FolderIdentity> = []
            walk(path, into: &found, visited: &visited)
            if found.isEmpty {
                problems.append(.invalidArgument("no .jpg, .jpeg, .png or .bmp images in folder \(path)"))
            }
            files += found.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.map { URL(fileURLWithPath: $0) }
        }
    }

    /// Adds the image files under `folder` to `found`.
    private mutating func walk(_ folder: String, into found: inout [String], visited: inout Set<FolderIdentity>) {
        guard let identity = FolderIdentity(folder), visited.insert(identity).inserted else { return }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder)
        } catch {
            problems.append(.io("cannot list folder \(folder)"))
            return
        }
        let prefix = folder.hasSuffix("/") ? folder : folder + "/"
        for name in names where !name.hasPrefix(".") {
            let path = prefix + name
            switch Self.isFolder(path) {
            case true?: walk(path, into: &found, visited: &visited)
            case false? where Self.isImageName(name): found.append(path)
            default: break
            }
        }
    }

    /// True for names (or paths) ending in one of `ImageFolderDataset.imageExtensions`.
    package static func isImageName(_ name: String) -> Bool {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return false }
        return ImageFolderDataset.imageExtensions.contains(name[name.index(after: dot)...].lowercased())
    }

    /// Whether `path` is a folder (following links); nil when nothing is there.
    package static func isFolder(_ path: String) -> Bool? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return status.st_mode & S_IFMT == S_IFDIR
    }
}

/// A folder's device and inode, so a link back up the tree is not walked twice.
private struct FolderIdentity: Hashable {
    let device: dev_t
    let inode: ino_t

    init?(_ path: String) {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        device = status.st_dev
        inode = status.st_ino
    }
}
