import Atomics
import Dispatch

extension DecodedImageSet {
    /// Decodes every image of `dataset` once, on `threads` threads, into one contiguous buffer.
    ///
    /// The storage size is `storageSize`×`storageSize` when given, else the size of the
    /// dataset's first image (index 0). When every image already has that size (CIFAR-10:
    /// 32×32) the bytes are kept as decoded; any image of another size is resized to it with
    /// `RGBImage.resized(width:height:)` (antialiased bilinear, as Pillow's `BILINEAR` and so
    /// torchvision's `Resize` on PIL images), rounded to bytes, and counted in `resizedCount`.
    /// The aspect ratio is not kept. `decodeSeconds` is the wall-clock time of the whole load.
    ///
    /// Throws the decoder's one-line error for the first (lowest-index) file that fails.
    public init(decoding dataset: ImageFolderDataset, threads: Int = 1, storageSize: Int? = nil,
                limits: ImageDecodingLimits = .init()) throws {
        let start = ContinuousClock.now
        guard (1...256).contains(threads) else { throw MobileNetError.invalidArgument("threads \(threads) outside 1...256") }
        if let storageSize, !(1...4096).contains(storageSize) {
            throw MobileNetError.invalidArgument("storage size \(storageSize) outside 1...4096")
        }
        let first = try ImageDecoder.decode(contentsOf: dataset.url(0), limits: limits)
        let width = storageSize ?? first.width, height = storageSize ?? first.height
        let bytesPerImage = width * height * 3
        let total = dataset.count.multipliedReportingOverflow(by: bytesPerImage)
        guard !total.overflow else {
            throw MobileNetError.invalidArgument("\(dataset.count) images of \(width)x\(height) do not fit in memory")
        }
        let resizedImages = ManagedAtomic<Int>(0)
        let failures = DecodingFailures()
        let pixels = try [UInt8](unsafeUninitializedCapacity: total.partialValue) { buffer, initialized in
            /// Stores a decoded image in slot `index`, resized when its size differs.
            func store(_ image: RGBImage, _ index: Int) throws {
                let slot = UnsafeMutableBufferPointer(rebasing: buffer[index * bytesPerImage..<(index + 1) * bytesPerImage])
                if image.width == width && image.height == height {
                    _ = slot.initialize(from: image.pixels)
                } else {
                    let resized = try image.resized(width: width, height: height).scalars
                    for i in slot.indices { slot[i] = UInt8(min(max(resized[i].rounded(), 0), 255)) }
                    resizedImages.wrappingIncrement(ordering: .relaxed)
                }
            }
            try store(first, 0)
            let nextIndex = ManagedAtomic<Int>(1)
            ParallelFor(threads: threads).pool.run { _ in
                while true {
                    let chunk = nextIndex.loadThenWrappingIncrement(by: 16, ordering: .relaxed)
                    guard chunk < dataset.count, chunk < failures.lowestIndex else { return }
                    for index in chunk..<min(chunk + 16, dataset.count) where index < failures.lowestIndex {
                        do {
                            try store(ImageDecoder.decode(contentsOf: dataset.url(index), limits: limits), index)
                        } catch {
                            failures.record(error, at: index)
                        }
                    }
                }
            }
            initialized = total.partialValue
        }
        if let error = failures.first { throw error }
        try self.init(width: width, height: height, pixels: pixels,
                      labels: (0..<dataset.count).map { Int32(dataset.label($0)) },
                      classNames: dataset.classNames, resizedCount: resizedImages.load(ordering: .relaxed),
                      decodeSeconds: Self.seconds(ContinuousClock.now - start))
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
}

/// The failure with the lowest image index seen by the decoding threads. Workers skip images
/// above it; every image below it is still decoded, so the error reported is the same
/// whatever the thread count.
private final class DecodingFailures: @unchecked Sendable {
    private let lowest = ManagedAtomic<Int>(Int.max)
    private var error: (any Error)?
    private let access = DispatchQueue(label: "MobileNet.DecodingFailures")

    var lowestIndex: Int { lowest.load(ordering: .relaxed) }

    var first: (any Error)? { access.sync { error } }

    func record(_ failure: any Error, at index: Int) {
        access.sync {
            if index < lowest.load(ordering: .relaxed) {
                lowest.store(index, ordering: .relaxed)
                error = failure
            }
        }
    }
}
