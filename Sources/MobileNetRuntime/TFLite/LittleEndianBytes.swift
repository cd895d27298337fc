/// Conversions between little-endian byte arrays and scalar arrays (one bulk copy each way).
package enum LittleEndianBytes {
    /// The integers encoded in `bytes` (trailing bytes that do not fill a scalar are ignored).
    package static func scalars<T: FixedWidthInteger & BitwiseCopyable>(_ bytes: [UInt8], as: T.Type) -> [T] {
        let result: [T] = rawScalars(bytes)
        #if _endian(big)
        return result.map { T(littleEndian: $0) }
        #else
        return result
        #endif
    }

    /// Floats from little-endian IEEE-754 binary32.
    package static func scalars(_ bytes: [UInt8], as: Float.Type) -> [Float] {
        #if _endian(big)
        return scalars(bytes, as: UInt32.self).map(Float.init(bitPattern:))
        #else
        return rawScalars(bytes)
        #endif
    }

    /// Doubles from little-endian IEEE-754 binary64.
    package static func scalars(_ bytes: [UInt8], as: Double.Type) -> [Double] {
        #if _endian(big)
        return scalars(bytes, as: UInt64.self).map(Double.init(bitPattern:))
        #else
        return rawScalars(bytes)
        #endif
    }

    /// One bulk copy of the host-order scalars in `bytes`.
    private static func rawScalars<T: BitwiseCopyable>(_ bytes: [UInt8]) -> [T] {
        let count = bytes.count / MemoryLayout<T>.stride
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            bytes.withUnsafeBytes { source in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(
                    from: UnsafeRawBufferPointer(rebasing: source.prefix(count * MemoryLayout<T>.stride)))
            }
            initialized = count
        }
    }

    /// The little-endian encoding of integers.
    package static func bytes<T: FixedWidthInteger & BitwiseCopyable>(of scalars: [T]) -> [UInt8] {
        #if _endian(big)
        return scalars.map(\.littleEndian).withUnsafeBytes { Array($0) }
        #else
        return scalars.withUnsafeBytes { Array($0) }
        #endif
    }

    /// The little-endian encoding of floats.
    package static func bytes(of scalars: [Float]) -> [UInt8] {
        #if _endian(big)
        return bytes(of: scalars.map(\.bitPattern))
        #else
        return scalars.withUnsafeBytes { Array($0) }
        #endif
    }

    /// IEEE-754 binary16 bits to Float (exact: every half value is a float).
    package static func floatFromHalf(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = Int(h >> 10) & 0x1F
        let mantissa = UInt32(h & 0x03FF)
        switch exponent {
        case 0:
            // Zero or subnormal: mantissa * 2^-24.
            let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
            return sign == 0 ? magnitude : -magnitude
        case 0x1F:
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        default:
            return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | (mantissa << 13))
        }
    }
}
