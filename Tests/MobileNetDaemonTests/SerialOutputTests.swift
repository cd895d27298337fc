import CTermios
import Foundation
import Testing
@testable import MobileNetDaemon

/// The serial output over a socat pseudo-terminal pair: termios settings read back, lines in
/// order, the bounded queue dropping the oldest, and a port that disappears and comes back.
@Suite(.enabled(if: DaemonTestSupport.serialTestsEnabled, "socat is not installed (make deps)"), .serialized)
struct SerialOutputTests {
    @Test func portIsRaw8N1AtTheRequestedSpeed() throws {
        let folder = try DaemonTestSupport.temporaryFolder("serial")
        let pair = try PtyPair(folder: folder)
        defer { pair.stop() }
        for baud in [9600, 115_200, 921_600] {
            let port = try SerialPort(path: pair.a, baud: baud)
            try port.open()
            // Read back on a descriptor of our own, with termios directly (not through the port).
            let fd = open(pair.a, O_RDONLY | O_NOCTTY | O_NONBLOCK)
            defer { close(fd) }
            var t = termios()
            #expect(tcgetattr(fd, &t) == 0)
            let expectedSpeed: speed_t = baud == 9600 ? speed_t(B9600) : baud == 115_200 ? speed_t(B115200) : speed_t(B921600)
            #expect(cfgetospeed(&t) == expectedSpeed && cfgetispeed(&t) == expectedSpeed, "baud \(baud)")
            #expect(t.c_cflag & tcflag_t(CSIZE) == tcflag_t(CS8))
            #expect(t.c_cflag & tcflag_t(PARENB) == 0 && t.c_cflag & tcflag_t(CSTOPB) == 0)
            #expect(t.c_lflag & tcflag_t(ICANON | ECHO | ISIG) == 0)
            #expect(t.c_oflag & tcflag_t(OPOST) == 0)
            #expect(t.c_cflag & tcflag_t(CRTSCTS) == 0 && t.c_iflag & tcflag_t(IXON | IXOFF) == 0)
            let readBack = try #require(port.settings())
            #expect(readBack.baud == UInt32(baud) && readBack.data_bits == 8 && !readBack.parity && readBack.stop_bits == 1 && readBack.raw)
            port.close()
        }
        #expect(throws: SettingError.self) { try SerialPort(path: pair.a, baud: 12_345) }
    }

    @Test func linesArriveInOrder() throws {
        let folder = try DaemonTestSupport.temporaryFolder("serial")
        let pair = try PtyPair(folder: folder)
        defer { pair.stop() }
        let reader = try LineReader(path: pair.b)
        defer { reader.stop() }
        let writer = OutputWriter(device: try SerialPort(path: pair.a, baud: 115_200), queue: LineQueue(slots: 1024, slotBytes: 64))
        let expected = (0..<500).map { "line \($0) person 0.93" }
        for line in expected { Array((line + "\n").utf8).withUnsafeBytes { writer.write($0) } }
        let lines = reader.waitForLines(expected.count, seconds: 10)
        writer.finish()
        #expect(lines == expected)
        #expect(writer.dropped == 0)
    }

    @Test func fullQueueDropsTheOldestAndCountsThem() {
        let queue = LineQueue(slots: 4, slotBytes: 16)
        for index in 0..<10 { Array("l\(index)\n".utf8).withUnsafeBytes { queue.push($0) } }
        #expect(queue.dropped == 6)
        var kept: [String] = []
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 16, alignment: 1)
        defer { buffer.deallocate() }
        while let length = queue.pop(into: buffer, timeoutNanoseconds: 0) {
            kept.append(String(decoding: UnsafeRawBufferPointer(rebasing: buffer[..<length]), as: UTF8.self))
        }
        #expect(kept == ["l6\n", "l7\n", "l8\n", "l9\n"])
    }

    @Test func aVanishedPortIsReopenedWhenItComesBack() throws {
        let folder = try DaemonTestSupport.temporaryFolder("serial")
        var pair = try PtyPair(folder: folder)
        var reader = try LineReader(path: pair.b)
        let writer = OutputWriter(device: try SerialPort(path: pair.a, baud: 115_200), queue: LineQueue(slots: 64, slotBytes: 64))
        defer { writer.finish() }
        func send(_ text: String) { Array((text + "\n").utf8).withUnsafeBytes { writer.write($0) } }
        send("before")
        #expect(reader.waitForLines(1, seconds: 5) == ["before"])
        // Unplug: the pty pair and its links disappear; writes fail with EIO.
        reader.stop()
        pair.stop()
        for index in 0..<5 {
            send("while gone \(index)")
            usleep(50_000)
        }
        // Replug: a new pair at the same paths.
        pair = try PtyPair(folder: folder)
        defer { pair.stop() }
        reader = try LineReader(path: pair.b)
        defer { reader.stop() }
        let deadline = Date().addingTimeInterval(10)
        var lines: [String] = []
        var sent = 0
        while Date() < deadline {
            send("after \(sent)")
            sent += 1
            lines = reader.lines
            if lines.contains(where: { $0.hasPrefix("after") }) { break }
            usleep(100_000)
        }
        #expect(lines.contains { $0.hasPrefix("after") }, "no line arrived after the port came back")
        #expect(writer.reconnects >= 1)
        #expect(writer.dropped >= 1)
    }
}
