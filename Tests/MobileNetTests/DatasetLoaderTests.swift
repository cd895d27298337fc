import Testing
import MobileNet

/// `BatchLoader`: batches are the transform of the right images with the right windows, and
/// depend only on (seed, epoch, position): not on threads, prefetching or where a run resumed.
@Suite struct DatasetLoaderTests {
    static let images: DecodedImageSet = {
        var rng = SeededGenerator(seed: 42)
        let images = (0..<37).map { _ in
            try! RGBImage(width: 8, height: 8, pixels: (0..<192).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        }
        return try! DecodedImageSet(images: images, labels: (0..<37).map { Int32($0 % 3) }, classNames: ["a", "b", "c"])
    }()
    static let transform = try! ImageTransform(resolution: 12, normalization: PixelNormalization(statisticsOf: images))
    static let augmentation = TrainingAugmentation(cropSize: 8, padding: 2)

    /// Every batch of one epoch as (labels, sample indices, images).
    static func epoch(_ mode: BatchLoader.Mode, seed: UInt64 = 9, epoch: Int = 0, startBatch: Int = 0,
                      dropLast: Bool = false, threads: Int = 1, prefetch: Int = 2) throws -> [([Int32], [Int], [Float])] {
        let loader = try BatchLoader(images: images, transform: transform, mode: mode, batchSize: 5, seed: seed,
                                     epoch: epoch, startBatch: startBatch, dropLast: dropLast, threads: threads,
                                     prefetch: prefetch)
        var batches: [([Int32], [Int], [Float])] = []
        var expectedIndex = startBatch
        while let batch = loader.next() {
            #expect(batch.index == expectedIndex)
            expectedIndex += 1
            batches.append((batch.labels, batch.sampleIndices, Array(batch.images)))
        }
        #expect(expectedIndex == loader.batchCount)
        return batches
    }

    static func same(_ a: [([Int32], [Int], [Float])], _ b: [([Int32], [Int], [Float])]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 && $0.2 == $1.2 }
    }

    @Test func trainingBatchesAreTheTransformOfTheShuffledImages() throws {
        let batches = try Self.epoch(.training(Self.augmentation))
        #expect(batches.map(\.0.count) == [5, 5, 5, 5, 5, 5, 5, 2])
        let order = batches.flatMap(\.1)
        #expect(order == EpochRandomness.order(count: 37, seed: 9, epoch: 0))
        #expect(order.sorted() == Array(0..<37) && order != Array(0..<37))
        var position = 0
        for (labels, indices, images) in batches {
            #expect(labels == indices.map { Self.images.labels[$0] })
            for (slot, index) in indices.enumerated() {
                var generator = EpochRandomness.sampleGenerator(seed: 9, epoch: 0, position: position)
                let window = Self.augmentation.window(width: 8, height: 8, generator: &generator)
                var expected = [Float](repeating: 0, count: Self.transform.floatsPerImage)
                try expected.withUnsafeMutableBufferPointer {
                    try Self.transform.apply(Self.images, index: index, window: window, into: $0)
                }
                let n = Self.transform.floatsPerImage
                #expect(Array(images[slot * n..<(slot + 1) * n]) == expected)
                position += 1
            }
        }
    }

    @Test func batchesDependOnlyOnSeedEpochAndPosition() throws {
        let reference = try Self.epoch(.training(Self.augmentation))
        #expect(Self.same(reference, try Self.epoch(.training(Self.augmentation))))
        #expect(Self.same(reference, try Self.epoch(.training(Self.augmentation), threads: 3, prefetch: 1)))
        for start in [1, 4, 7, 8] {
            let resumed = try Self.epoch(.training(Self.augmentation), startBatch: start)
            #expect(Self.same(resumed, Array(reference[start...])), "resumed at batch \(start)")
        }
        let otherEpoch = try Self.epoch(.training(Self.augmentation), epoch: 1)
        let otherSeed = try Self.epoch(.training(Self.augmentation), seed: 10)
        #expect(otherEpoch.flatMap(\.1) != reference.flatMap(\.1) && otherSeed.flatMap(\.1) != reference.flatMap(\.1))
    }

    @Test func dropLastSkipsThePartialBatch() throws {
        let batches = try Self.epoch(.training(Self.augmentation), dropLast: true)
        #expect(batches.count == 7 && batches.allSatisfy { $0.0.count == 5 })
        #expect(BatchLoader.batchCount(samples: 37, batchSize: 5, dropLast: true) == 7)
        #expect(BatchLoader.batchCount(samples: 37, batchSize: 5, dropLast: false) == 8)
        #expect(BatchLoader.batchCount(samples: 3, batchSize: 5, dropLast: true) == 0)
    }

    @Test func evaluationVisitsEveryImageInOrderWithoutAugmentation() throws {
        let batches = try Self.epoch(.evaluation, threads: 2)
        #expect(batches.flatMap(\.1) == Array(0..<37))
        let first = batches[0].2[0..<Self.transform.floatsPerImage]
        var expected = [Float](repeating: 0, count: Self.transform.floatsPerImage)
        try expected.withUnsafeMutableBufferPointer {
            try Self.transform.apply(Self.images, index: 0, window: .whole(width: 8, height: 8), into: $0)
        }
        #expect(Array(first) == expected)
    }

    @Test func releasingMidEpochStopsTheProducer() throws {
        let full = try Self.epoch(.training(Self.augmentation))
        var held: [ImageBatch] = []
        for taken in [0, 1, 3] {
            // Released at the end of the `do`, with batches queued, in progress and held.
            do {
                let loader = try BatchLoader(images: Self.images, transform: Self.transform,
                                             mode: .training(Self.augmentation), batchSize: 5, seed: 9, prefetch: 1)
                for _ in 0..<taken { held.append(try #require(loader.next())) }
            }
        }
        // Batches outlive their loader with their contents intact.
        #expect(held.map { Array($0.images) } == [full[0].2, full[0].2, full[1].2, full[2].2])
    }

    @Test func imagesAre64ByteAligned() throws {
        let loader = try BatchLoader(images: Self.images, transform: Self.transform, mode: .evaluation, batchSize: 4)
        let batch = try #require(loader.next())
        #expect(Int(bitPattern: batch.images.baseAddress) % 64 == 0)
    }

    @Test(arguments: [
        (0, 0, "batch size 0 outside 1...65536"),
        (5, 9, "start batch 9 outside the epoch's 8 batches"),
    ])
    func invalidArgumentsAreOneLineErrors(_ c: (Int, Int, String)) {
        #expect {
            _ = try BatchLoader(images: Self.images, transform: Self.transform, mode: .evaluation,
                                batchSize: c.0, startBatch: c.1)
        } throws: { "\($0)".contains(c.2) && !"\($0)".contains("\n") }
    }
}
