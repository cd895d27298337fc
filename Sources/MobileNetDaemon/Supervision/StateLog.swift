#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The daemon's log: one line on stderr per state change (camera lost, reconnected, model
/// switched, serial port back, ...), each written with a single `write(2)` so that lines from
/// the loop and the output thread never interleave. The journal adds the time.
public enum StateLog {
    public static func line(_ message: String) {
        var text = "watch: " + message
        text.append("\n")
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(STDERR_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 && errno == EINTR { continue }
                if written <= 0 { return }
                offset += written
            }
        }
    }
}
