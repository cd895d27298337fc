/// A fixed-size, zero-initialised buffer of integers aligned to 64 bytes (a cache line), for
/// packed int8 weights, int32 parameters and int8 activations.
final class AlignedStorage<Element: FixedWidthInteger>: @unchecked Sendable {
    let count: Int
    let pointer: UnsafeMutablePointer<Element>

    /// `count` zeros.
    init(zeros count: Int) {
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: max(1, count) * MemoryLayout<Element>.stride, alignment: 64)
        pointer = raw.initializeMemory(as: Element.self, repeating: 0, count: max(1, count))
    }

    /// A copy of `values`.
    convenience init(_ values: [Element]) {
        self.init(zeros: values.count)
        values.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { pointer.update(from: base, count: source.count) }
        }
    }

    deinit { UnsafeMutableRawPointer(pointer).deallocate() }
}
