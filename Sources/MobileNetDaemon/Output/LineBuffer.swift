/// A fixed byte buffer that one output line is formatted into, by hand: integers, fixed-point
/// decimals and ISO-8601 UTC times without `String`, Foundation formatters or any allocation.
/// Text beyond the capacity is cut off (the line still ends with its newline).
public struct LineBuffer: ~Copyable {
    public let capacity: Int
    private let storage: UnsafeMutablePointer<UInt8>
    public private(set) var count = 0

    public init(capacity: Int = 512) {
        precondition(capacity >= 2)
        self.capacity = capacity
        storage = .allocate(capacity: capacity)
    }

    deinit { storage.deallocate() }

    /// The line's bytes so far.
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: storage, count: count) }

    public mutating func clear() { count = 0 }

    /// Appends one byte (dropped when full, keeping room for the final newline).
    @inline(__always)
    public mutating func append(byte: UInt8) {
        if count < capacity - 1 {
            storage[count] = byte
            count += 1
        }
    }

    public mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { for byte in $0 { append(byte: byte) } }
    }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        for byte in bytes { append(byte: byte) }
    }

    /// Ends the line with `\n` (always room for it).
    public mutating func endLine() {
        storage[count] = 10  // "\n"
        count += 1
    }

    /// `value` in decimal, at least `width` digits (zero-padded).
    public mutating func append(_ value: Int, width: Int = 1) {
        var magnitude = value.magnitude
        if value < 0 { append(byte: 45) }  // "-"
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var used = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[used] = UInt8(48 + magnitude % 10)
                magnitude /= 10
                used += 1
            } while magnitude > 0
            while used < min(width, buffer.count) {
                buffer[used] = 48
                used += 1
            }
            for index in stride(from: used - 1, through: 0, by: -1) { append(byte: buffer[index]) }
        }
    }

    /// `value` rounded to `decimals` places (0...6), e.g. 0.93 or 7.1; NaN and infinities as
    /// `null` would be wrong in text, so they are written as 0.
    public mutating func append(fixed value: Double, decimals: Int) {
        guard value.isFinite else {
            append(0)
            return
        }
        var scale = 1
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(value) * Double(scale)).rounded()
        guard scaled < 9e15 else {
            append(value < 0 ? Int.min / 2 : Int.max / 2)
            return
        }
        let units = Int(scaled)
        if value < 0 && units != 0 { append(byte: 45) }
        append(units / scale)
        if decimals > 0 {
            append(byte: 46)  // "."
            append(units % scale, width: decimals)
        }
    }

    /// UTC time `nanoseconds` since the epoch as ISO 8601 with milliseconds:
    /// `2026-12-06T14:00:00.123Z`.
    public mutating func append(utcNanoseconds nanoseconds: Int64) {
        let milliseconds = nanoseconds >= 0 ? nanoseconds / 1_000_000 : (nanoseconds - 999_999) / 1_000_000
        let seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
        let millisecond = Int(milliseconds - seconds * 1000)
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = Int(seconds - days * 86_400)
        let (year, month, day) = Self.civilDate(daysSinceEpoch: Int(days))
        append(year, width: 4)
        append(byte: 45)
        append(month, width: 2)
        append(byte: 45)
        append(day, width: 2)
        append(byte: 84)  // "T"
        append(secondOfDay / 3600, width: 2)
        append(byte: 58)  // ":"
        append(secondOfDay / 60 % 60, width: 2)
        append(byte: 58)
        append(secondOfDay % 60, width: 2)
        append(byte: 46)
        append(millisecond, width: 3)
        append(byte: 90)  // "Z"
    }

    /// The proleptic Gregorian date of a day number (days since 1970-01-01), by Howard
    /// Hinnant's `civil_from_days`.
    static func civilDate(daysSinceEpoch: Int) -> (year: Int, month: Int, day: Int) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
