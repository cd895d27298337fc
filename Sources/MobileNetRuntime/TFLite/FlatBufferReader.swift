/// A small, bounds-checked reader of FlatBuffer tables, vectors and strings.
///
/// Every access validates positions against the buffer before reading and throws
/// `RuntimeError.malformed(format:reason:)` instead of trapping, so truncated or corrupted
/// files fail with a one-line error. Reads are little-endian and need no alignment.
///
/// FlatBuffer offsets to sub-objects are unsigned and point forward, so object graphs cannot
/// form cycles; what a hostile file *can* do is make many references share one large vector.
/// A work budget (elements read across all vectors, proportional to the file size) bounds the
/// total effort of a parse regardless of such sharing.
final class FlatBufferReader {
    /// A table: its position and the vtable describing which fields are present where.
    struct Table {
        /// Byte position of the table (where its soffset to the vtable is stored).
        let position: Int
        /// Byte position of the vtable.
        let vtable: Int
        /// Size in bytes of the vtable (including its two u16 headers).
        let vtableSize: Int
        /// Size in bytes of the table's inline data (including the soffset).
        let tableSize: Int
    }

    /// A vector: position of its first element and its element count.
    struct Vector {
        let start: Int
        let count: Int
    }

    /// The whole file: a mapped file's pages, or an array's storage while `TFLiteModel(bytes:)`
    /// parses inside `withUnsafeBytes`.
    let bytes: UnsafeRawBufferPointer
    let format: String
    private var budget: Int
    /// Told each byte range once copied out (a mapped file releases the pages it covers).
    private let release: ((Range<Int>) -> Void)?

    /// - Parameters:
    ///   - bytes: the whole file, valid for the reader's lifetime.
    ///   - format: the format name used in error messages (`"tflite"`).
    ///   - release: called with each range of large byte vectors copied out (`byteVector`,
    ///     `bytes(at:count:)`), so that a mapped file can drop those pages.
    init(bytes: UnsafeRawBufferPointer, format: String, release: ((Range<Int>) -> Void)? = nil) {
        self.bytes = bytes
        self.format = format
        self.release = release
        // A file without shared data never holds more vector elements than bytes.
        self.budget = 4 * bytes.count + 4096
    }

    /// A copy of `range` as an array; the range is then released (a weight tensor's bytes are
    /// resident once, in the copy).
    private func copy(_ range: Range<Int>) -> [UInt8] {
        let result = Array(bytes[range])
        release?(range)
        return result
    }

    func fail(_ reason: String) -> RuntimeError {
        .malformed(format: format, reason: reason)
    }

    // MARK: - Primitive reads

    /// Throws unless `size` bytes starting at `position` are inside the buffer.
    @inline(__always)
    func check(_ position: Int, _ size: Int, _ what: @autoclosure () -> String) throws(RuntimeError) {
        guard position >= 0, size >= 0, position <= bytes.count, size <= bytes.count - position else {
            throw fail("\(what()) at byte \(position) runs past the end of the \(bytes.count)-byte file")
        }
    }

    @inline(__always)
    private func rawU16(_ p: Int) -> UInt16 {
        UInt16(bytes[p]) | UInt16(bytes[p + 1]) << 8
    }

    @inline(__always)
    private func rawU32(_ p: Int) -> UInt32 {
        UInt32(bytes[p]) | UInt32(bytes[p + 1]) << 8 | UInt32(bytes[p + 2]) << 16
            | UInt32(bytes[p + 3]) << 24
    }

    @inline(__always)
    private func rawU64(_ p: Int) -> UInt64 {
        UInt64(rawU32(p)) | UInt64(rawU32(p + 4)) << 32
    }

    func u8(at p: Int) throws(RuntimeError) -> UInt8 {
        try check(p, 1, "byte")
        return bytes[p]
    }

    func u16(at p: Int) throws(RuntimeError) -> UInt16 {
        try check(p, 2, "u16")
        return rawU16(p)
    }

    func u32(at p: Int) throws(RuntimeError) -> UInt32 {
        try check(p, 4, "u32")
        return rawU32(p)
    }

    func u64(at p: Int) throws(RuntimeError) -> UInt64 {
        try check(p, 8, "u64")
        return rawU64(p)
    }

    /// Charges `elements` against the work budget.
    private func spend(_ elements: Int, _ what: String) throws(RuntimeError) {
        guard elements <= budget else {
            throw fail("\(what) exceeds the work limit for a \(bytes.count)-byte file (shared or overlapping data)")
        }
        budget -= elements
    }

    // MARK: - Tables

    /// The root table: a u32 offset at byte 0.
    func root() throws(RuntimeError) -> Table {
        let offset = try u32(at: 0)
        return try table(at: Int(offset), "root table")
    }

    /// Validates and returns the table at `position`.
    func table(at position: Int, _ what: @autoclosure () -> String) throws(RuntimeError) -> Table {
        try check(position, 4, "\(what()) header")
        let soffset = Int(Int32(bitPattern: rawU32(position)))
        let vtable = position - soffset  // Int math on values below 2^33: cannot overflow
        guard vtable >= 0, vtable <= bytes.count - 4 else {
            throw fail("\(what()) at byte \(position) has its vtable outside the file (byte \(vtable))")
        }
        let vtableSize = Int(rawU16(vtable))
        let tableSize = Int(rawU16(vtable + 2))
        guard vtableSize >= 4, vtableSize % 2 == 0, vtableSize <= bytes.count - vtable else {
            throw fail("\(what()) at byte \(position) has an invalid vtable size \(vtableSize)")
        }
        guard tableSize >= 4, tableSize <= bytes.count - position else {
            throw fail("\(what()) at byte \(position) has an invalid table size \(tableSize)")
        }
        return Table(position: position, vtable: vtable, vtableSize: vtableSize, tableSize: tableSize)
    }

    /// The absolute position of field `slot` of `table`, or nil when it is absent.
    /// Validates that `size` bytes of the field lie inside the table and the file.
    func field(_ table: Table, _ slot: Int, size: Int, _ what: @autoclosure () -> String) throws(RuntimeError) -> Int? {
        let entry = 4 + 2 * slot
        guard entry + 2 <= table.vtableSize else { return nil }
        let offset = Int(rawU16(table.vtable + entry))
        if offset == 0 { return nil }
        guard offset >= 4, offset <= table.tableSize - size else {
            throw fail("field \(what()) of the table at byte \(table.position) lies outside the table")
        }
        let position = table.position + offset
        try check(position, size, "field \(what())")
        return position
    }

    /// Follows the u32 offset stored in field `slot` (relative to the field's own position).
    private func indirect(_ table: Table, _ slot: Int, _ what: @autoclosure () -> String) throws(RuntimeError) -> Int? {
        guard let p = try field(table, slot, size: 4, what()) else { return nil }
        let target = p + Int(rawU32(p))
        guard target < bytes.count else {
            throw fail("\(what()) at byte \(p) points past the end of the file (byte \(target))")
        }
        return target
    }

    // MARK: - Scalar fields

    func uint8(_ table: Table, _ slot: Int, default value: UInt8, _ what: String) throws(RuntimeError) -> UInt8 {
        guard let p = try field(table, slot, size: 1, what) else { return value }
        return bytes[p]
    }

    func int8(_ table: Table, _ slot: Int, default value: Int8, _ what: String) throws(RuntimeError) -> Int8 {
        Int8(bitPattern: try uint8(table, slot, default: UInt8(bitPattern: value), what))
    }

    func bool(_ table: Table, _ slot: Int, default value: Bool, _ what: String) throws(RuntimeError) -> Bool {
        guard let p = try field(table, slot, size: 1, what) else { return value }
        return bytes[p] != 0
    }

    func int32(_ table: Table, _ slot: Int, default value: Int32, _ what: String) throws(RuntimeError) -> Int32 {
        guard let p = try field(table, slot, size: 4, what) else { return value }
        return Int32(bitPattern: rawU32(p))
    }

    func uint32(_ table: Table, _ slot: Int, default value: UInt32, _ what: String) throws(RuntimeError) -> UInt32 {
        guard let p = try field(table, slot, size: 4, what) else { return value }
        return rawU32(p)
    }

    func uint64(_ table: Table, _ slot: Int, default value: UInt64, _ what: String) throws(RuntimeError) -> UInt64 {
        guard let p = try field(table, slot, size: 8, what) else { return value }
        return rawU64(p)
    }

    func float32(_ table: Table, _ slot: Int, default value: Float, _ what: String) throws(RuntimeError) -> Float {
        guard let p = try field(table, slot, size: 4, what) else { return value }
        return Float(bitPattern: rawU32(p))
    }

    // MARK: - Offset fields

    /// The sub-table referenced by field `slot`, or nil when absent.
    func table(_ table: Table, _ slot: Int, _ what: String) throws(RuntimeError) -> Table? {
        guard let target = try indirect(table, slot, what) else { return nil }
        return try self.table(at: target, what)
    }

    /// The vector referenced by field `slot`, or nil when absent; checks that `count`
    /// elements of `elementSize` bytes fit in the file and charges them to the work budget.
    func vector(_ table: Table, _ slot: Int, elementSize: Int, _ what: String) throws(RuntimeError) -> Vector? {
        guard let target = try indirect(table, slot, what) else { return nil }
        try check(target, 4, "length of \(what)")
        let count = Int(rawU32(target))
        let start = target + 4
        guard count <= (bytes.count - start) / elementSize else {
            throw fail("\(what) at byte \(target) claims \(count) elements of \(elementSize) bytes, more than the file holds")
        }
        try spend(count, what)
        return Vector(start: start, count: count)
    }

    /// The string referenced by field `slot`, or nil when absent (invalid UTF-8 is repaired).
    func string(_ table: Table, _ slot: Int, _ what: String) throws(RuntimeError) -> String? {
        guard let v = try vector(table, slot, elementSize: 1, what) else { return nil }
        return String(decoding: bytes[v.start..<(v.start + v.count)], as: UTF8.self)
    }

    /// The bytes of a `[ubyte]` field (empty when absent), copied once.
    func byteVector(_ table: Table, _ slot: Int, _ what: String) throws(RuntimeError) -> [UInt8] {
        guard let v = try vector(table, slot, elementSize: 1, what) else { return [] }
        return copy(v.start..<(v.start + v.count))
    }

    /// `count` bytes at absolute `position` (for data stored outside the flatbuffer).
    func bytes(at position: Int, count: Int, _ what: String) throws(RuntimeError) -> [UInt8] {
        try check(position, count, what)
        try spend(count, what)
        return copy(position..<(position + count))
    }

    /// An `[int]` field as Ints (nil when absent).
    func int32Vector(_ table: Table, _ slot: Int, _ what: String) throws(RuntimeError) -> [Int]? {
        guard let v = try vector(table, slot, elementSize: 4, what) else { return nil }
        var result = [Int]()
        result.reserveCapacity(v.count)
        for i in 0..<v.count { result.append(Int(Int32(bitPattern: rawU32(v.start + 4 * i)))) }
        return result
    }

    /// A `[long]` field (nil when absent).
    func int64Vector(_ table: Table, _ slot: Int, _ what: String) throws(RuntimeError) -> [Int64]? {
        guard let v = try vector(table, slot, elementSize: 8, what) else { return nil }
        var result = [Int64]()
        result.reserveCapacity(v.count)
        for i in 0..<v.count { result.append(Int64(bitPattern: rawU64(v.start + 8 * i))) }
        return result
    }

    /// A `[float]` field (nil when absent).
    func float32Vector(_ table: Table, _ slot: Int, _ what: String) throws(RuntimeError) -> [Float]? {
        guard let v = try vector(table, slot, elementSize: 4, what) else { return nil }
        var result = [Float]()
        result.reserveCapacity(v.count)
        for i in 0..<v.count { result.append(Float(bitPattern: rawU32(v.start + 4 * i))) }
        return result
    }

    /// A vector of tables: each element is resolved and validated.
    func tableVector(_ table: Table, _ slot: Int, _ what: String) throws(RuntimeError) -> [Table]? {
        guard let v = try vector(table, slot, elementSize: 4, what) else { return nil }
        var result = [Table]()
        result.reserveCapacity(v.count)
        for i in 0..<v.count {
            let p = v.start + 4 * i
            let target = p + Int(rawU32(p))
            guard target < bytes.count else {
                throw fail("\(what)[\(i)] at byte \(p) points past the end of the file (byte \(target))")
            }
            result.append(try self.table(at: target, "\(what)[\(i)]"))
        }
        return result
    }
}
