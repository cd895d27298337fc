/// A fixed-size float buffer aligned to 64 bytes (a cache line), for packed weights and
/// activations: with 16-byte aligned `[Float]` storage half of the 32-byte vector loads
/// straddle two cache lines.
final class AlignedFloats: @unchecked Sendable {
    let count: Int
    let pointer: UnsafeMutablePointer<Float>

    static let alignment = 64

    /// `count` zeros.
    init(zeros count: Int) {
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(1, count) * 4, alignment: Self.alignment)
        pointer = raw.initializeMemory(as: Float.self, repeating: 0, count: max(1, count))
    }

    /// A copy of `values`.
    convenience init(_ values: [Float]) {
        self.init(zeros: values.count)
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: $0.count) }
    }

    deinit { UnsafeMutableRawPointer(pointer).deallocate() }
}
