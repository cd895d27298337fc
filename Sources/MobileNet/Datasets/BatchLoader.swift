import Atomics
import Dispatch

/// Produces one epoch of batches from a `DecodedImageSet` on a background thread, one or two
/// batches ahead of the caller.
///
/// Everything random is a function of (seed, epoch, position in the epoch) only: the order is
/// `EpochRandomness.order(count:seed:epoch:)` and the sample at position p is augmented with
/// `EpochRandomness.sampleGenerator(seed:epoch:position: p)`. So batches are bit-identical for
/// any `threads`, and a loader created with `startBatch: k` yields exactly batches k, k+1, …
/// of the full epoch (resuming from a checkpoint).
///
/// One producer thread per loader runs for the epoch (with `threads − 1` helper workers when
/// asked); it waits while `prefetch` batches are ready and unclaimed. Releasing the loader
/// mid-epoch stops it: `deinit` waits for the batch in progress, then the thread ends.
/// Call `next()` from one thread at a time.
public final class BatchLoader {
    /// Training: shuffled order, random crop and flip. Evaluation: dataset order, the whole
    /// image, every image once.
    public enum Mode: Sendable, Equatable {
        case training(TrainingAugmentation)
        case evaluation
    }

    /// Batches in the whole epoch (also those before `startBatch`).
    public let batchCount: Int
    private var nextBatch: Int
    private let producer: BatchProducer

    /// - Parameters:
    ///   - dropLast: skip the final batch when it would be smaller than `batchSize`.
    ///   - threads: threads preparing each batch (the producer plus `threads − 1` helpers).
    ///   - prefetch: batches prepared ahead (1...8).
    /// Throws a one-line error for an empty set, a batch size outside 1...65536, a `startBatch` outside
    /// the epoch, or a crop that does not fit the images.
    public init(images: DecodedImageSet, transform: ImageTransform, mode: Mode, batchSize: Int,
                seed: UInt64 = 0, epoch: Int = 0, startBatch: Int = 0, dropLast: Bool = false,
                threads: Int = 1, prefetch: Int = 2) throws {
        guard images.count > 0 else { throw MobileNetError.invalidArgument("no images to load") }
        guard (1...65536).contains(batchSize) else {
            throw MobileNetError.invalidArgument("batch size \(batchSize) outside 1...65536")
        }
        guard (1...8).contains(prefetch) else { throw MobileNetError.invalidArgument("prefetch \(prefetch) outside 1...8") }
        guard (1...256).contains(threads) else { throw MobileNetError.invalidArgument("threads \(threads) outside 1...256") }
        if case .training(let augmentation) = mode {
            try augmentation.validate(width: images.width, height: images.height)
        }
        batchCount = Self.batchCount(samples: images.count, batchSize: batchSize, dropLast: dropLast)
        guard (0...batchCount).contains(startBatch) else {
            throw MobileNetError.invalidArgument("start batch \(startBatch) outside the epoch's \(batchCount) batches")
        }
        nextBatch = startBatch
        producer = BatchProducer(images: images, transform: transform, mode: mode, batchSize: batchSize,
                                 seed: seed, epoch: epoch, prefetch: prefetch)
        producer.start(batches: startBatch..<batchCount, threads: threads)
    }

    deinit { producer.stop() }

    /// Batches in an epoch of `samples` images (for schedules planned before any loader exists).
    public static func batchCount(samples: Int, batchSize: Int, dropLast: Bool) -> Int {
        guard samples > 0, batchSize > 0 else { return 0 }
        return dropLast ? samples / batchSize : (samples + batchSize - 1) / batchSize
    }

    /// The next batch, waiting for it if it is not ready; nil after the epoch's last batch.
    public func next() -> ImageBatch? {
        guard nextBatch < batchCount else { return nil }
        nextBatch += 1
        return producer.take()
    }
}

/// The producer thread's state, shared with the loader. The queue of ready batches is guarded
/// by `access`; `filled` counts ready batches and `room` free places in the queue.
private final class BatchProducer: @unchecked Sendable {
    let images: DecodedImageSet
    let transform: ImageTransform
    let augmentation: TrainingAugmentation?
    let order: [Int]
    let batchSize: Int
    let seed: UInt64
    let epoch: Int
    let pool: BatchStoragePool

    private var ready: [ImageBatch] = []
    private let access = DispatchQueue(label: "MobileNet.BatchLoader.queue")
    private let filled = DispatchSemaphore(value: 0)
    // Created at 0 and signalled up: libdispatch traps when a semaphore is released with a
    // value below its initial one (mid-epoch shutdown).
    private let room = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let stopping = ManagedAtomic<Bool>(false)

    init(images: DecodedImageSet, transform: ImageTransform, mode: BatchLoader.Mode, batchSize: Int,
         seed: UInt64, epoch: Int, prefetch: Int) {
        self.images = images
        self.transform = transform
        self.batchSize = batchSize
        self.seed = seed
        self.epoch = epoch
        switch mode {
        case .training(let augmentation):
            self.augmentation = augmentation
            order = EpochRandomness.order(count: images.count, seed: seed, epoch: epoch)
        case .evaluation:
            augmentation = nil
            order = Array(0..<images.count)
        }
        pool = BatchStoragePool(floatsPerBatch: batchSize * transform.floatsPerImage, limit: prefetch + 2)
        for _ in 0..<prefetch { room.signal() }
    }

    func start(batches: Range<Int>, threads: Int) {
        DispatchQueue(label: "MobileNet.BatchLoader.producer").async { [self] in
            let parallel = ParallelFor(threads: threads)
            for batch in batches {
                room.wait()
                if stopping.load(ordering: .acquiring) { break }
                let made = make(batch, parallel)
                access.sync { ready.append(made) }
                filled.signal()
            }
            finished.signal()
        }
    }

    /// The next ready batch (waits for the producer).
    func take() -> ImageBatch {
        filled.wait()
        let batch = access.sync { ready.removeFirst() }
        room.signal()
        return batch
    }

    /// Stops the producer after the batch it is making and waits until its thread is done.
    func stop() {
        stopping.store(true, ordering: .releasing)
        room.signal()
        finished.wait()
    }

    private func make(_ batch: Int, _ parallel: ParallelFor) -> ImageBatch {
        let positions = batch * batchSize..<min((batch + 1) * batchSize, order.count)
        let sampleIndices = Array(order[positions])
        let storage = pool.take()
        let floatsPerImage = transform.floatsPerImage
        images.pixels.withUnsafeBufferPointer { bytes in
            parallel(positions) { range in
                for position in range {
                    let index = order[position]
                    var window = CropWindow.whole(width: images.width, height: images.height)
                    if let augmentation {
                        var generator = EpochRandomness.sampleGenerator(seed: seed, epoch: epoch, position: position)
                        window = augmentation.window(width: images.width, height: images.height, generator: &generator)
                    }
                    transform.render(bytes.baseAddress! + index * images.bytesPerImage,
                                     width: images.width, height: images.height, window: window,
                                     into: storage.pointer + (position - positions.lowerBound) * floatsPerImage)
                }
            }
        }
        return ImageBatch(index: batch, resolution: transform.resolution,
                          labels: sampleIndices.map { images.labels[$0] }, sampleIndices: sampleIndices,
                          storage: storage, pool: pool)
    }
}
