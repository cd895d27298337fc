import Foundation
import Testing
@testable import MobileNet

/// The roofline picture and the memory-bandwidth probe behind it.
@Suite struct RooflineChartTests {
    static let layers = [
        RooflineChart.Layer(index: 0, op: "conv_2d", flops: 2e9, bytes: 1e8, seconds: 0.05),            // 20 flop/B, 40 GFLOP/s
        RooflineChart.Layer(index: 1, op: "depthwise_conv_2d", flops: 1e8, bytes: 5e7, seconds: 0.01),  // 2 flop/B, 10 GFLOP/s
        RooflineChart.Layer(index: 2, op: "mean", flops: 0, bytes: 4e6, seconds: 0.001),                 // no flops: not drawn
        RooflineChart.Layer(index: 3, op: "fully_connected", flops: 2e6, bytes: 4e6, seconds: 1e-4),     // 0.5 flop/B, 20 GFLOP/s
    ]

    @Test func drawsEveryLayerWithFlopsUnderBothRoofs() {
        let chart = RooflineChart(title: "a <test> & more", layers: Self.layers, peakGigaflops: 100, bandwidthGigabytes: 20)
        #expect(chart.ridge == 5)
        let svg = chart.svg
        #expect(svg.hasPrefix("<?xml"))
        #expect(svg.hasSuffix("</svg>\n"))
        #expect(svg.contains("<title>a &lt;test&gt; &amp; more</title>"))
        // Three layers drawn (the flop-less one is not), each with its values in a tooltip.
        #expect(svg.components(separatedBy: "<circle cx=").count - 1 == 3 + 3)  // points + legend dots
        #expect(svg.contains("0 conv_2d: 40.0 GFLOP/s, 20.0 flops/byte"))
        #expect(svg.contains("1 depthwise_conv_2d: 10.0 GFLOP/s, 2.0 flops/byte"))
        #expect(svg.contains("3 fully_connected: 20.0 GFLOP/s, 0.5 flops/byte"))
        #expect(!svg.contains(" mean:"))
        #expect(svg.contains("FMA peak 100.0 GFLOP/s"))
        #expect(svg.contains("memory 20.0 GB/s"))
    }

    /// Log axes: a point at the ridge sits where the two roofs meet, one decade apart means a
    /// fixed distance.
    @Test func roofsMeetAtTheRidge() throws {
        let chart = RooflineChart(title: "t", layers: Self.layers, peakGigaflops: 100, bandwidthGigabytes: 20)
        let roof = try #require(chart.svg.split(separator: "\n").first { $0.hasPrefix("<polyline") })
        let points = roof.split(separator: "\"")[1].split(separator: " ").map { $0.split(separator: ",").map { Double($0)! } }
        #expect(points.count == 3)
        #expect(points[1][1] == points[2][1])   // flat after the ridge
        #expect(points[0][1] > points[1][1])    // rising (SVG y grows downwards) before it
        // x: 0.1 … 100 (three decades over 650 units); the ridge (5) is log10(50) decades in.
        #expect(abs(points[1][0] - (80 + 650 * (log10(5) + 1) / 3)) < 0.01)
    }

    @Test func bandwidthProbeMeasuresSomething() {
        let gigabytes = MemoryBandwidthProbe.gigabytesPerSecond(megabytes: 8, rounds: 2)
        // A sanity check only: the probe returns a finite, positive rate. The figure itself is
        // not asserted — a debug build on a shared, heavily loaded machine measures well below
        // any real memory bandwidth (under 0.1 GB/s has been seen), and speed is shown by the
        // benchmarks in bench/, not by timed tests.
        #expect(gigabytes.isFinite && gigabytes > 0.001 && gigabytes < 10_000)
    }
}
