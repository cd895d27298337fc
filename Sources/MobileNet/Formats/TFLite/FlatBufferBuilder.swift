/// A small FlatBuffers writer: tables (with vtables, deduplicated), scalar fields whose default
/// values are omitted, vectors of scalars, offsets and bytes, strings, and a finished buffer with
/// a root offset and a file identifier.
///
/// Like the reference implementations it builds back to front: children are written before
/// their parents, so every stored offset points forward (to a higher address), as the format
/// requires. Bytes are kept at the end of a storage array that doubles when full (the used part
/// is `storage[head...]`), so prepending is amortized O(1) per byte and nothing is copied more
/// than a logarithmic number of times (a 17 MB model takes about 35 ms even in a debug build).
///
/// Positions (`Offset`) are measured from the end of the buffer, which does not move while it
/// grows. Alignment follows the FlatBuffers rules: every scalar is aligned to its size, vector
/// lengths and offsets to 4, vector elements to their size (or a larger requested alignment),
/// and the finished buffer is padded so its total size is a multiple of the largest alignment
/// used, which makes end-relative alignment absolute.
///
/// Misuse of the API (nesting objects inside an open table) is a programming error and traps;
/// a buffer past the format's 2 GB limit throws from `finish`.
struct FlatBufferBuilder {
    /// The position of a written object, in bytes from the end of the buffer.
    struct Offset {
        let value: Int
    }

    private var storage: [UInt8]
    private var head: Int
    /// The largest alignment requested so far.
    private var minimumAlignment = 1
    /// Fields of the open table: (slot, position of the field), or nil when no table is open.
    private var fields: [(slot: Int, position: Int)]?
    private var tableStart = 0
    /// Vtables written so far, by their bytes, for deduplication.
    private var vtables: [[UInt8]: Int] = [:]

    /// - Parameter capacity: the initial capacity in bytes (the storage doubles as needed).
    init(capacity: Int = 1024) {
        storage = [UInt8](repeating: 0, count: Swift.max(capacity, 64))
        head = storage.count
    }

    /// The number of bytes written so far.
    var size: Int { storage.count - head }

    // MARK: - Raw prepending

    /// Makes room for `count` more bytes in front of the used part.
    private mutating func reserve(_ count: Int) {
        guard head < count else { return }
        let used = size
        let capacity = Swift.max(2 * storage.count, used + count + 64)
        var grown = [UInt8](repeating: 0, count: capacity)
        let start = head
        grown.withUnsafeMutableBufferPointer { destination in
            storage.withUnsafeBufferPointer { source in
                let tail = UnsafeMutableBufferPointer(rebasing: destination[(capacity - used)...])
                _ = tail.initialize(from: source[start...])
            }
        }
        storage = grown
        head = capacity - used
    }

    /// Prepends `count` zero bytes.
    private mutating func pad(_ count: Int) {
        reserve(count)
        for i in 0..<count { storage[head - 1 - i] = 0 }
        head -= count
    }

    /// Pads so that, after `additional` more bytes are prepended, the size is a multiple of
    /// `alignment` (a power of two), and records the alignment for `finish`.
    private mutating func align(_ alignment: Int, additional: Int = 0) {
        minimumAlignment = Swift.max(minimumAlignment, alignment)
        pad((-(size + additional)) & (alignment - 1))
    }

    /// Prepends a little-endian integer (no alignment).
    private mutating func put<T: FixedWidthInteger>(_ value: T) {
        let width = MemoryLayout<T>.size
        reserve(width)
        head -= width
        for i in 0..<width { storage[head + i] = UInt8(truncatingIfNeeded: value >> (8 * i)) }
    }

    /// Prepends the uoffset from the next 4-byte slot to `target`; returns its position.
    private mutating func putOffset(to target: Offset) -> Int {
        align(4)
        put(UInt32(truncatingIfNeeded: size + 4 - target.value))
        return size
    }

    // MARK: - Vectors and strings

    /// A vector of integers.
    mutating func vector<T: FixedWidthInteger>(_ values: [T]) -> Offset {
        let width = MemoryLayout<T>.size
        startVector(count: values.count, elementSize: width, alignment: width)
        for value in values.reversed() { put(value) }
        return endVector(count: values.count)
    }

    /// A vector of 32-bit floats.
    mutating func vector(_ values: [Float]) -> Offset {
        vector(values.map(\.bitPattern))
    }

    /// A vector of offsets to tables or strings (written earlier).
    mutating func vector(_ offsets: [Offset]) -> Offset {
        startVector(count: offsets.count, elementSize: 4, alignment: 4)
        for offset in offsets.reversed() { _ = putOffset(to: offset) }
        return endVector(count: offsets.count)
    }

    /// A `[ubyte]` vector whose first byte is aligned to `alignment` (a power of two, e.g. 16
    /// for TFLite buffer data).
    mutating func byteVector(_ bytes: [UInt8], alignment: Int = 1) -> Offset {
        startVector(count: bytes.count, elementSize: 1, alignment: alignment)
        reserve(bytes.count)
        head -= bytes.count
        let start = head
        storage.withUnsafeMutableBufferPointer { destination in
            _ = UnsafeMutableBufferPointer(rebasing: destination[start..<(start + bytes.count)]).initialize(from: bytes)
        }
        return endVector(count: bytes.count)
    }

    /// A string: its UTF-8 bytes with a terminating zero (not counted in its length).
    mutating func string(_ text: String) -> Offset {
        let bytes = Array(text.utf8)
        precondition(fields == nil, "FlatBufferBuilder: string built inside an open table")
        align(4, additional: bytes.count + 1)
        pad(1)
        reserve(bytes.count)
        head -= bytes.count
        for (i, byte) in bytes.enumerated() { storage[head + i] = byte }
        put(UInt32(truncatingIfNeeded: bytes.count))
        return Offset(value: size)
    }

    private mutating func startVector(count: Int, elementSize: Int, alignment: Int) {
        precondition(fields == nil, "FlatBufferBuilder: vector built inside an open table")
        align(4, additional: count * elementSize)
        align(Swift.max(alignment, elementSize), additional: count * elementSize)
    }

    private mutating func endVector(count: Int) -> Offset {
        put(UInt32(truncatingIfNeeded: count))  // aligned to 4 by startVector
        return Offset(value: size)
    }

    // MARK: - Tables

    /// Opens a table; add its fields, then call `endTable`. Its sub-objects must be written first.
    mutating func startTable() {
        precondition(fields == nil, "FlatBufferBuilder: table started inside an open table")
        fields = []
        tableStart = size
    }

    /// Adds an integer field unless it equals the schema default.
    mutating func add<T: FixedWidthInteger>(_ slot: Int, _ value: T, default defaultValue: T) {
        guard value != defaultValue else { return }
        align(MemoryLayout<T>.size)
        put(value)
        record(slot)
    }

    /// Adds a boolean field (stored as one byte) unless it equals the schema default.
    mutating func add(_ slot: Int, _ value: Bool, default defaultValue: Bool) {
        add(slot, UInt8(value ? 1 : 0), default: defaultValue ? 1 : 0)
    }

    /// Adds a float field unless it equals the schema default (compared by bits).
    mutating func add(_ slot: Int, _ value: Float, default defaultValue: Float) {
        add(slot, value.bitPattern, default: defaultValue.bitPattern)
    }

    /// Adds an offset field (a table, vector or string written earlier); nil adds nothing.
    mutating func add(_ slot: Int, _ offset: Offset?) {
        guard let offset else { return }
        _ = putOffset(to: offset)
        record(slot)
    }

    private mutating func record(_ slot: Int) {
        precondition(fields != nil, "FlatBufferBuilder: field added outside a table")
        fields!.append((slot, size))
    }

    /// Closes the open table: writes its vtable (or reuses an identical earlier one).
    mutating func endTable() -> Offset {
        guard let fields else { preconditionFailure("FlatBufferBuilder: endTable without startTable") }
        self.fields = nil
        align(4)
        put(Int32(0))  // soffset to the vtable, patched below
        let table = size
        let slotCount = (fields.map(\.slot).max() ?? -1) + 1
        var entries = [UInt16](repeating: 0, count: 2 + slotCount)
        entries[0] = UInt16(4 + 2 * slotCount)
        entries[1] = UInt16(table - tableStart)
        for field in fields { entries[2 + field.slot] = UInt16(table - field.position) }
        let bytes = entries.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] }

        let vtable: Int
        if let existing = vtables[bytes] {
            vtable = existing
        } else {
            for entry in entries.reversed() { put(entry) }  // 2-aligned: the table start is 4-aligned
            vtable = size
            vtables[bytes] = vtable
        }
        // soffset = table address - vtable address = vtable - table in end-relative positions.
        let soffset = Int32(truncatingIfNeeded: vtable - table)
        let position = storage.count - table
        for i in 0..<4 { storage[position + i] = UInt8(truncatingIfNeeded: soffset >> (8 * i)) }
        return Offset(value: table)
    }

    // MARK: - Finishing

    /// The finished buffer: the root table's offset at byte 0, then `identifier` (4 ASCII
    /// characters) at bytes 4-7. Throws when the buffer exceeds the format's 2 GB limit.
    mutating func finish(root: Offset, identifier: String) throws -> [UInt8] {
        let tag = Array(identifier.utf8)
        precondition(tag.count == 4 && fields == nil, "FlatBufferBuilder: bad identifier or open table")
        align(Swift.max(minimumAlignment, 4), additional: 8)
        reserve(4)
        head -= 4
        for i in 0..<4 { storage[head + i] = tag[i] }
        _ = putOffset(to: root)
        guard size <= Int(Int32.max) else {
            throw MobileNetError.unsupported("a flatbuffer of \(size) bytes exceeds the format's 2 GB limit")
        }
        return Array(storage[head...])
    }
}
