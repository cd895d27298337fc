import Dispatch

/// One batch of network inputs made by `BatchLoader`.
///
/// `images` is `count × resolution × resolution × 3` floats (NHWC), 64-byte aligned, owned by
/// the batch: valid as long as the batch is alive. Its memory goes back to the loader for
/// reuse when the batch is released.
public final class ImageBatch: @unchecked Sendable {
    /// The batch's position in the epoch (0-based; the first batch of a resumed loader is
    /// `startBatch`).
    public let index: Int
    /// Images in this batch (the batch size, or fewer for a kept last batch).
    public var count: Int { labels.count }
    /// Side of every image.
    public let resolution: Int
    /// The class index of each image.
    public let labels: [Int32]
    /// The dataset index (`DecodedImageSet`/`ImageFolderDataset` order) of each image.
    public let sampleIndices: [Int]
    private let storage: AlignedFloats
    private let pool: BatchStoragePool

    init(index: Int, resolution: Int, labels: [Int32], sampleIndices: [Int], storage: AlignedFloats, pool: BatchStoragePool) {
        self.index = index
        self.resolution = resolution
        self.labels = labels
        self.sampleIndices = sampleIndices
        self.storage = storage
        self.pool = pool
    }

    deinit { pool.give(storage) }

    /// The images, NHWC floats.
    public var images: UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(start: storage.pointer, count: count * resolution * resolution * 3)
    }
}

/// Reusable batch buffers: released batches return theirs, the producer takes them back, so a
/// steady run allocates nothing per batch.
final class BatchStoragePool: @unchecked Sendable {
    private let floats: Int
    private let limit: Int
    private var spare: [AlignedFloats] = []
    private let access = DispatchQueue(label: "MobileNet.BatchStoragePool")

    init(floatsPerBatch: Int, limit: Int) {
        floats = floatsPerBatch
        self.limit = limit
    }

    func take() -> AlignedFloats {
        access.sync { spare.popLast() } ?? AlignedFloats(zeros: floats)
    }

    func give(_ storage: AlignedFloats) {
        access.sync { if spare.count < limit { spare.append(storage) } }
    }
}
