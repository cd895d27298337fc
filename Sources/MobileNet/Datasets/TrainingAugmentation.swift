/// The part of a stored image that becomes one network input, in the image's pixel
/// coordinates: rows `top..<top+height`, columns `left..<left+width`. Coordinates outside the
/// image read it mirrored ("reflect" padding: row −1 is row 1). `flipped` mirrors the window
/// left to right.
public struct CropWindow: Sendable, Equatable {
    public var top: Int
    public var left: Int
    public var height: Int
    public var width: Int
    public var flipped: Bool

    public init(top: Int, left: Int, height: Int, width: Int, flipped: Bool = false) {
        self.top = top
        self.left = left
        self.height = height
        self.width = width
        self.flipped = flipped
    }

    /// The whole image, unflipped (evaluation).
    public static func whole(width: Int, height: Int) -> CropWindow {
        CropWindow(top: 0, left: 0, height: height, width: width)
    }
}

/// Training-time augmentation: torchvision's
/// `RandomCrop(cropSize, padding: padding, padding_mode="reflect")` followed by
/// `RandomHorizontalFlip(p=0.5)` (CIFAR recipe: crop 32, padding 4). The resize to the
/// training resolution and the normalisation follow in `ImageTransform`.
public struct TrainingAugmentation: Sendable, Equatable {
    /// Side of the square crop.
    public var cropSize: Int
    /// Pixels of reflect padding on every side before cropping (less than the image's sides).
    public var padding: Int
    /// Mirror left-right with probability 1/2.
    public var horizontalFlip: Bool

    public init(cropSize: Int, padding: Int = 0, horizontalFlip: Bool = true) {
        self.cropSize = cropSize
        self.padding = padding
        self.horizontalFlip = horizontalFlip
    }

    /// Throws a one-line error unless the crop fits images of `width`×`height` padded by
    /// `padding` and the padding can be reflected (smaller than both sides).
    public func validate(width: Int, height: Int) throws {
        guard cropSize >= 1, padding >= 0 else {
            throw MobileNetError.invalidArgument("crop size \(cropSize) and padding \(padding) must be positive and non-negative")
        }
        guard padding < width, padding < height else {
            throw MobileNetError.invalidArgument(
                "reflect padding \(padding) needs images wider and taller than it, got \(width)x\(height)")
        }
        guard cropSize <= width + 2 * padding, cropSize <= height + 2 * padding else {
            throw MobileNetError.invalidArgument(
                "crop \(cropSize)x\(cropSize) larger than \(width)x\(height) images padded by \(padding)")
        }
    }

    /// A random window for an image of `width`×`height`: draws the crop's top row, then its
    /// left column (uniform over the padded image, as torchvision), then the flip (the top bit
    /// of one draw). Always three draws, whatever the options.
    public func window(width: Int, height: Int, generator: inout SeededGenerator) -> CropWindow {
        let top = generator.bounded(height + 2 * padding - cropSize + 1) - padding
        let left = generator.bounded(width + 2 * padding - cropSize + 1) - padding
        let flip = generator.next() >> 63 == 1
        return CropWindow(top: top, left: left, height: cropSize, width: cropSize, flipped: horizontalFlip && flip)
    }
}
