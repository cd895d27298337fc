import Foundation

/// The frame source a command line or config file names, as `mobilenet watch` takes them:
/// `--source -` (an MJPEG or raw stream on standard input), `--source PATH` (a folder or an
/// image file: stills in a loop; any other file: a stream), otherwise `--camera DEV`
/// (default `/dev/video0`). `inputFormat` is the stream's `mjpeg` or `FORMAT:WIDTHxHEIGHT`.
public struct FrameSourceSelection: Sendable, Equatable {
    public var camera: String?
    public var source: String?
    public var inputFormat: String?
    public var width: Int
    public var height: Int
    public var framesPerSecond: Int

    public init(
        camera: String? = nil, source: String? = nil, inputFormat: String? = nil,
        width: Int = 640, height: Int = 480, framesPerSecond: Int = 30
    ) {
        self.camera = camera
        self.source = source
        self.inputFormat = inputFormat
        self.width = width
        self.height = height
        self.framesPerSecond = framesPerSecond
    }

    /// The source, not yet started. Throws `.invalidConfiguration` for both a camera and a
    /// source, or a bad input format.
    public func makeSource() throws(CaptureError) -> any FrameSource {
        if camera != nil && source != nil {
            throw .invalidConfiguration("give a camera or a source, not both")
        }
        let input = try StreamSource.Input(parsing: inputFormat ?? "mjpeg")
        guard let source else {
            return Camera(.init(device: camera ?? "/dev/video0", width: width, height: height, framesPerSecond: framesPerSecond))
        }
        if source == "-" { return StreamSource(path: source, input: input) }
        var isFolder: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: source, isDirectory: &isFolder)
        let still = ["jpg", "jpeg", "png", "bmp"].contains((source as NSString).pathExtension.lowercased())
        if isFolder.boolValue || (exists && still && inputFormat == nil) {
            return ImageFolderSource(path: source, framesPerSecond: Double(framesPerSecond))
        }
        return StreamSource(path: source, input: input)
    }
}
