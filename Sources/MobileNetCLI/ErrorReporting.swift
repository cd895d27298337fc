import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MobileNet

/// Runs `body`, turning any library error into one line on stderr and exit code 1.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as MobileNetError {
        // write(2) rather than fputs(_, stderr): Swift 6 rejects the C global `stderr`.
        let line = Array("error: \(error)\n".utf8)
        _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
        throw ExitCode(1)
    }
}
