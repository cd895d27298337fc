import MobileNet

/// The frame source a command line or config file names, as `mobilenet watch` takes them:
/// `--source -` (an MJPEG or raw stream on standard input), `--source PATH` (a folder or a
/// still image: stills in a loop; any other file, e.g. `.mjpeg`, or any path with an input
/// format: a stream), otherwise `--camera DEV` (default `/dev/video0`). `inputFormat` is the
/// stream's `mjpeg` (the default) or `FORMAT:WIDTHxHEIGHT`.
public struct FrameSourceSelection: Sendable, Equatable {
    public static let defaultCamera = "/dev/video0"

    public var camera: String?
    public var source: String?
    public var inputFormat: String?
    /// The size and rate the camera is asked for.
    public var width: Int
    public var height: Int
    public var framesPerSecond: Int
    /// The clock stills are delivered on (frames the caller is too slow for are dropped, as a
    /// camera drops them); nil delivers the next still at once on every call, as the daemon's
    /// soak and allocation tests need.
    public var stillsPerSecond: Double?

    public init(
        camera: String? = nil, source: String? = nil, inputFormat: String? = nil,
        width: Int = 640, height: Int = 480, framesPerSecond: Int = 30, stillsPerSecond: Double? = nil
    ) {
        self.camera = camera
        self.source = source
        self.inputFormat = inputFormat
        self.width = width
        self.height = height
        self.framesPerSecond = framesPerSecond
        self.stillsPerSecond = stillsPerSecond
    }

    /// The source, not yet started. Throws `.invalidConfiguration` for both a camera and a
    /// source, or a bad input format.
    public func makeSource() throws(CaptureError) -> any FrameSource {
        if camera != nil && source != nil {
            throw .invalidConfiguration("give a camera or a source, not both")
        }
        let input = try StreamSource.Input(parsing: inputFormat ?? "mjpeg")
        guard let source else {
            return Camera(.init(device: camera ?? Self.defaultCamera, width: width, height: height, framesPerSecond: framesPerSecond))
        }
        if source == "-" || inputFormat != nil { return StreamSource(path: source, input: input) }
        if ImageFileList.isFolder(source) == true || ImageFileList.isImageName(source) {
            return ImageFolderSource(path: source, framesPerSecond: stillsPerSecond)
        }
        return StreamSource(path: source, input: input)
    }
}
