#if canImport(Glibc)
import Glibc
#endif
import MobileNetCamera

/// The frame source the settings ask for: `--camera DEV` (default /dev/video0) a V4L2 camera;
/// `--source -` the stream on standard input (`--input-format`, default MJPEG); `--source PATH`
/// a folder or still image (looped), or, with `--input-format` or an `.mjpeg`/`.mjpg` name, a
/// stream file.
public enum SourceChoice {
    public static let defaultCamera = "/dev/video0"

    public static func make(_ settings: WatchSettings) throws -> any FrameSource {
        switch settings.source {
        case nil:
            return Camera(Camera.Options(device: defaultCamera))
        case .camera(let device):
            return Camera(Camera.Options(device: device))
        case .path(let path):
            let lowered = path.lowercased()
            if path == "-" || settings.inputFormat != nil || lowered.hasSuffix(".mjpeg") || lowered.hasSuffix(".mjpg") {
                return StreamSource(path: path, input: try StreamSource.Input(parsing: settings.inputFormat ?? "mjpeg"))
            }
            return ImageFolderSource(path: path)
        }
    }

    /// The device paths the settings open, for the log.
    public static func describe(_ settings: WatchSettings) -> String {
        switch settings.source {
        case nil: return "camera \(defaultCamera)"
        case .camera(let device): return "camera \(device)"
        case .path(let path): return path == "-" ? "stdin" : path
        }
    }
}
