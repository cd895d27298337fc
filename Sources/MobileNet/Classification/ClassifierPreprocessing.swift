/// How `ImageClassifier` turns a decoded image into one network input of the model's size.
///
/// - Models that record how they were trained (our checkpoints' `preprocessing` metadata: the
///   training images' stored size, central fraction and normalisation) get their images
///   prepared exactly as the trainer fed them: center crop by the recorded fraction,
///   antialiased resize to the stored size rounded to bytes (as `DecodedImageSet` stores an
///   image of another size), then PyTorch's bilinear resize to the model's input and the
///   normalisation, by the trainer's own `ImageTransform`. A 32×32 CIFAR image is used as
///   decoded.
/// - Other models (`.tflite` files, safetensors without that metadata): central 87.5 % crop
///   (TensorFlow's evaluation default), antialiased resize straight to the model's input, and
///   the `tf` normalisation ([-1, 1]) unless another is given (`ImagePreprocessing`).
///
/// A normalisation given explicitly replaces the recorded one in both cases.
public struct ClassifierPreprocessing: Sendable {
    /// The network input's size.
    public let width: Int
    public let height: Int
    /// The training images' stored size, for models that record it.
    public let storedWidth: Int?
    public let storedHeight: Int?
    /// The central fraction of each image that is kept.
    public let centralFraction: Double
    public let normalization: PixelNormalization
    /// The trainer's resize from the stored size to the input (models that record a stored size).
    private let transform: ImageTransform?

    /// The central fraction used for models that record no preprocessing.
    public static let defaultCentralFraction = 0.875
    /// The normalisation used for models that record none.
    public static let defaultNormalization = NormalizationPreset.tf

    /// The preparation for a model taking `width`×`height` RGB inputs that recorded `recorded`
    /// (nil when it recorded nothing); `normalization` overrides the normalisation. Throws
    /// `.unsupported` for a recorded stored size with a non-square input (the trainer only
    /// makes square ones) and `.invalidArgument` for sizes below 1 or a fraction outside (0, 1].
    public init(width: Int, height: Int, recorded: ImagePreprocessing?, normalization: PixelNormalization? = nil) throws {
        guard width >= 1, height >= 1 else {
            throw MobileNetError.invalidArgument("model input \(width)x\(height) is empty")
        }
        self.width = width
        self.height = height
        if let recorded {
            guard width == height else {
                throw MobileNetError.unsupported(
                    "the model records training preprocessing but its input \(width)x\(height) is not square")
            }
            guard recorded.width >= 1, recorded.height >= 1, recorded.width <= 4096, recorded.height <= 4096 else {
                throw MobileNetError.invalidArgument("recorded stored image size \(recorded.width)x\(recorded.height) outside 1...4096")
            }
            storedWidth = recorded.width
            storedHeight = recorded.height
            centralFraction = recorded.centralFraction
            self.normalization = normalization ?? recorded.normalization
            transform = try ImageTransform(resolution: width, normalization: self.normalization)
        } else {
            storedWidth = nil
            storedHeight = nil
            centralFraction = Self.defaultCentralFraction
            self.normalization = normalization ?? Self.defaultNormalization.normalization
            transform = nil
        }
        guard centralFraction > 0, centralFraction <= 1 else {
            throw MobileNetError.invalidArgument("center crop fraction \(centralFraction) is not in (0, 1]")
        }
    }

    /// Floats per prepared image, `height × width × 3`.
    public var floatsPerImage: Int { height * width * 3 }

    /// The network input for `image`, shape `[height, width, 3]`.
    public func tensor(from image: RGBImage) throws -> Tensor<Float> {
        var scalars = [Float](repeating: 0, count: floatsPerImage)
        try scalars.withUnsafeMutableBufferPointer { try write(image, into: $0) }
        return try Tensor(shape: [height, width, 3], scalars: scalars)
    }

    /// Writes the network input for `image` into `output` (`floatsPerImage` floats).
    func write(_ image: RGBImage, into output: UnsafeMutableBufferPointer<Float>) throws {
        precondition(output.count >= floatsPerImage, "output too small for one prepared image")
        guard let transform, let storedWidth, let storedHeight else {
            let direct = ImagePreprocessing(width: width, height: height, centralFraction: centralFraction,
                                            normalization: normalization)
            _ = output.initialize(from: try direct.tensor(from: image).scalars)
            return
        }
        let stored = try storedPixels(image, width: storedWidth, height: storedHeight)
        stored.withUnsafeBufferPointer { bytes in
            transform.render(bytes.baseAddress!, width: storedWidth, height: storedHeight,
                             window: .whole(width: storedWidth, height: storedHeight), into: output.baseAddress!)
        }
    }

    /// The central part of `image` as the trainer stores an image: its bytes when it already
    /// has the stored size, else resized (antialiased bilinear) and rounded to bytes.
    private func storedPixels(_ image: RGBImage, width: Int, height: Int) throws -> [UInt8] {
        let window = try image.centralWindow(fraction: centralFraction)
        if window.width == width && window.height == height {
            return try image.centerCropped(fraction: centralFraction).pixels
        }
        return try image.resized(window, width: width, height: height).scalars.map {
            UInt8(min(max($0.rounded(), 0), 255))
        }
    }
}
