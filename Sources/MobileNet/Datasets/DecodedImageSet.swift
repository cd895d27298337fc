/// A whole dataset decoded once into memory: every image as 8-bit RGB at one storage size,
/// back to back in a single `[UInt8]` (`count × height × width × 3`, image-major, then rows,
/// then R G B), with its label.
///
/// CIFAR-10's 50,000 training images of 32×32 take 153 MB. Images of other sizes than the
/// storage size are resized to it (antialiased bilinear, see `init(decoding:threads:storageSize:limits:)`).
public struct DecodedImageSet: Sendable {
    /// The storage size every image has.
    public let width: Int
    public let height: Int
    /// Every image's bytes, `count × height × width × 3`.
    public let pixels: [UInt8]
    /// The class index of each image.
    public let labels: [Int32]
    /// The class names, in label order.
    public let classNames: [String]
    /// How many images were resized to the storage size while decoding (0 when all had it).
    public let resizedCount: Int
    /// Wall-clock seconds spent decoding (0 for images given in memory).
    public let decodeSeconds: Double

    /// The number of images.
    public var count: Int { labels.count }
    /// Bytes per image, `height × width × 3`.
    public var bytesPerImage: Int { height * width * 3 }

    /// Images already in memory (all of one size) with their labels; throws when the sizes,
    /// counts or labels do not fit together.
    public init(images: [RGBImage], labels: [Int32], classNames: [String]) throws {
        guard let first = images.first else { throw MobileNetError.invalidArgument("no images") }
        guard labels.count == images.count else {
            throw MobileNetError.shapeMismatch("\(labels.count) labels for \(images.count) images")
        }
        if let odd = images.first(where: { $0.width != first.width || $0.height != first.height }) {
            throw MobileNetError.shapeMismatch(
                "image of \(odd.width)x\(odd.height) among images of \(first.width)x\(first.height)")
        }
        try self.init(width: first.width, height: first.height, pixels: images.flatMap(\.pixels),
                      labels: labels, classNames: classNames, resizedCount: 0, decodeSeconds: 0)
    }

    init(width: Int, height: Int, pixels: [UInt8], labels: [Int32], classNames: [String],
         resizedCount: Int, decodeSeconds: Double) throws {
        if let bad = labels.first(where: { $0 < 0 || Int($0) >= classNames.count }) {
            throw MobileNetError.invalidArgument("label \(bad) outside the \(classNames.count) classes")
        }
        self.width = width
        self.height = height
        self.pixels = pixels
        self.labels = labels
        self.classNames = classNames
        self.resizedCount = resizedCount
        self.decodeSeconds = decodeSeconds
    }
}
