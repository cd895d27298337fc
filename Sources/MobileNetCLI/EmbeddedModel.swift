#if os(Linux)
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
#else
// Foundation (not only FoundationEssentials) for `Bundle.module`, the embedded model.
import Foundation
#endif
import MobileNet

/// The models the CLI carries (CIFAR-10, MobileNet α 0.5, 64x64, ten classes), in SwiftPM's
/// resource folder beside the executable: the float model `classify` uses without `--model`,
/// and its int8 version (made from it by `mobilenet quantize`, see Resources/README.md) that
/// `watch` runs on the int8 runtime.
enum EmbeddedModel {
    static let fileName = "cifar10-mobilenet-a050.safetensors"
    static let int8FileName = "cifar10-mobilenet-a050-int8.tflite"

    /// The URL of the embedded file `fileName`; throws one line when the resource folder is missing.
    static func url(_ fileName: String = fileName) throws -> URL {
        #if os(Linux)
        // Beside the executable, without `Bundle.module`: `Bundle` needs full Foundation, which
        // on Linux brings ICU and several MB of resident memory into every command.
        let url = try executableFolder().appendingPathComponent(resourceFolder).appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw MobileNetError.io(
                "the embedded model is missing (\(url.path); keep \(resourceFolder) beside the executable) - pass --model")
        }
        return url
        #else
        // `Bundle.module` stops the process when SwiftPM's resource folder is missing (a binary
        // copied without it), so look for the folder beside the executable first.
        let folder = Bundle.main.bundleURL.appendingPathComponent(resourceFolder)
        guard FileManager.default.fileExists(atPath: folder.path),
              let url = Bundle.module.url(forResource: (fileName as NSString).deletingPathExtension,
                                          withExtension: (fileName as NSString).pathExtension)
        else {
            throw MobileNetError.io(
                "the embedded model is missing (\(folder.path)/\(fileName); keep \(resourceFolder) beside the executable) - pass --model")
        }
        return url
        #endif
    }

    #if os(Linux)
    /// The folder of the running executable (where `/proc/self/exe` points).
    private static func executableFolder() throws -> URL {
        var path = [CChar](repeating: 0, count: Int(PATH_MAX))
        let length = readlink("/proc/self/exe", &path, path.count)
        guard length > 0, length < path.count else {
            throw MobileNetError.io("cannot resolve /proc/self/exe to find the embedded model - pass --model")
        }
        return URL(fileURLWithPath: String(decoding: path[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self))
            .deletingLastPathComponent()
    }
    #endif

    /// The folder SwiftPM copies the CLI's resources into, beside the executable.
    #if canImport(Darwin)
    static let resourceFolder = "MobileNet_MobileNetCLI.bundle"
    #else
    static let resourceFolder = "MobileNet_MobileNetCLI.resources"
    #endif
}
