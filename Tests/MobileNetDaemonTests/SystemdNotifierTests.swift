import Foundation
import Testing
@testable import MobileNetDaemon

/// The notify protocol against a Unix datagram socket the test listens on, at a path and in
/// the abstract namespace.
struct SystemdNotifierTests {
    /// A bound datagram socket; `address` is what NOTIFY_SOCKET would hold.
    final class Listener {
        let fd: Int32
        init(address: String) throws {
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            var socketAddress = sockaddr_un()
            socketAddress.sun_family = sa_family_t(AF_UNIX)
            var bytes = Array(address.utf8)
            if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
            withUnsafeMutableBytes(of: &socketAddress.sun_path) { path in for (i, b) in bytes.enumerated() { path[i] = b } }
            let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)! + bytes.count + (bytes[0] == 0 ? 0 : 1))
            let result = withUnsafePointer(to: &socketAddress) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
            }
            guard result == 0 else { throw DaemonTestSupport.Missing(description: "bind \(address): errno \(errno)") }
        }
        deinit { close(fd) }

        /// The next datagram, waiting up to one second.
        func receive() -> String? {
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 1000) > 0 else { return nil }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            return count >= 0 ? String(decoding: buffer[..<count], as: UTF8.self) : nil
        }
    }

    @Test(arguments: ["path", "abstract"])
    func messagesReachTheSocket(kind: String) throws {
        let folder = try DaemonTestSupport.temporaryFolder("notify")
        let address = kind == "path" ? folder.appendingPathComponent("notify.sock").path : "@mobilenet-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let listener = try Listener(address: address)
        let notifier = try #require(try SystemdNotifier(environment: ["NOTIFY_SOCKET": address, "WATCHDOG_USEC": "2000000"]))
        #expect(notifier.watchdogPingNanoseconds == 1_000_000_000)
        notifier.ready(status: "classifying")
        #expect(listener.receive() == "READY=1\nSTATUS=classifying")
        notifier.watchdog()
        #expect(listener.receive() == "WATCHDOG=1")
        notifier.status(framesPerSecond: 29.97, latencyP50Milliseconds: 7.1, latencyP99Milliseconds: 9.25, reconnects: 2,
                        droppedFrames: 3, outputDrops: 0)
        #expect(listener.receive() == "STATUS=30.0 fps, latency p50 7.10 ms p99 9.25 ms, 2 reconnects, 3 dropped frames, 0 output drops")
        notifier.stopping()
        #expect(listener.receive() == "STOPPING=1\nSTATUS=stopping")
    }

    @Test func environmentRules() throws {
        #expect(try SystemdNotifier(environment: [:]) == nil)
        #expect(try SystemdNotifier(environment: ["NOTIFY_SOCKET": ""]) == nil)
        #expect(throws: SettingError.self) { try SystemdNotifier(environment: ["NOTIFY_SOCKET": "relative/path"]) }
        let other = try #require(try SystemdNotifier(environment: ["NOTIFY_SOCKET": "/run/x", "WATCHDOG_USEC": "1000000", "WATCHDOG_PID": "1"]))
        #expect(other.watchdogPingNanoseconds == nil)  // the watchdog is for another process
        let ours = try #require(try SystemdNotifier(environment: ["NOTIFY_SOCKET": "/run/x", "WATCHDOG_USEC": "1000000", "WATCHDOG_PID": "\(getpid())"]))
        #expect(ours.watchdogPingNanoseconds == 500_000_000)
    }
}
