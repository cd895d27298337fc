import MobileNetCamera

extension WatchSettings {
    /// The camera module's selection for these settings. Stills (a folder or an image) are
    /// not paced: each frame is the next still at once, so a demo or a test runs as fast as
    /// inference does; a camera sets its own pace.
    public var frameSourceSelection: FrameSourceSelection {
        switch source {
        case nil: return FrameSourceSelection(inputFormat: inputFormat)
        case .camera(let device): return FrameSourceSelection(camera: device, inputFormat: inputFormat)
        case .path(let path): return FrameSourceSelection(source: path, inputFormat: inputFormat)
        }
    }
}
