import ArgumentParser
import MobileNet

/// `mobilenet profile`: where the time goes, layer by layer, and how far each layer is from
/// the roof that bounds it (FMA peak or memory bandwidth).
struct ProfileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "Per-layer median time, GFLOP/s, share of the machine's measured FMA peak and of the layer's roofline bound.",
        discussion: """
            flop/B is a layer's arithmetic intensity: flops per byte of its input, output and weights, \
            each moved once. % roof compares its GFLOP/s with min(FMA peak, memory bandwidth × flop/B), \
            both measured by small built-in probes (the bandwidth probe reads 64 MB on one thread); \
            above 100%, the layer's data came from the caches, faster than main memory. \
            --plot draws the same as a roofline picture.
            """)

    @OptionGroup var options: ModelOptions

    @Option(help: "Timed runs per layer (after warm-up).")
    var runs: Int = 30

    @Option(help: "Also draw the roofline picture to this .svg file.")
    var plot: String?

    func validate() throws {
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
        if let plot, !plot.lowercased().hasSuffix(".svg") { throw ValidationError("--plot writes SVG: give a .svg file name") }
    }

    func run() throws {
        try reportingErrors {
            let loaded = try options.load()
            let batch = options.batch
            // Peak of all the threads the layers run on: the single-thread probe × threads.
            let peak = FMAPeakProbe.gigaflops() * Double(options.threads)
            let bandwidth = MemoryBandwidthProbe.gigabytesPerSecond()
            let input = try loaded.randomInput(batch: batch)
            _ = try loaded.profile(input, runs: 3)
            let times = try loaded.profile(input, runs: runs)
            let layers = roofline(loaded, times: times)
            let total = times.reduce(0, +)
            let threads = "\(options.threads) thread\(options.threads == 1 ? "" : "s")"
            print("FMA peak (built-in probe, \(threads)): \(fixed(peak, 1)) GFLOP/s; memory read bandwidth (1 thread): \(fixed(bandwidth, 1)) GB/s; ridge \(fixed(peak / bandwidth, 1)) flop/B")
            if loaded.isQuantized {
                print("int8 model: GFLOP/s counts 2 integer operations per multiply-add; % peak is against the float FMA peak")
            }
            print("layer  op                  output            mult-adds    median ms   share   GFLOP/s  % peak   flop/B  % roof")
            for layer in layers {
                let index = layer.index
                let gflops = layer.gigaflops, intensity = layer.intensity
                let roof = min(peak, bandwidth * intensity)
                let shape = loaded.outputShapes[index].map(String.init).joined(separator: "x")
                print(rightAligned("\(index)", 5) + "  " + leftAligned(layer.op, 18) + "  " + leftAligned(shape, 14)
                      + " " + rightAligned("\(loaded.multiplyAdds[index] * batch)", 12) + "  " + rightAligned(fixed(layer.seconds * 1e3, 3), 10)
                      + "  " + rightAligned(fixed(100 * layer.seconds / total, 1), 5) + "%  " + rightAligned(fixed(gflops, 1), 8)
                      + "  " + rightAligned(fixed(100 * gflops / peak, 1), 5) + "%  " + rightAligned(fixed(intensity, 1), 7)
                      + "  " + rightAligned(roof > 0 ? fixed(100 * gflops / roof, 1) + "%" : "-", 6))
            }
            let allFlops = layers.map(\.flops).reduce(0, +)
            let overall = allFlops / total / 1e9
            print("total  \(fixed(total * 1e3, 3)) ms (sum of layer medians), \(fixed(overall, 1)) GFLOP/s, \(fixed(100 * overall / peak, 1))% of peak")
            if let plot {
                let title = "\(loaded.name), batch \(batch), \(threads)"
                try RooflineChart(title: title, layers: layers, peakGigaflops: peak, bandwidthGigabytes: bandwidth)
                    .write(toPath: plot)
                print("roofline: \(plot)")
            }
        }
    }

    /// Each layer's flops and compulsory traffic: its input and output once, and its weights
    /// once (a multiply-add layer has multiply-adds × channels ÷ output elements weights:
    /// kh·kw·cin·cout for a convolution, kh·kw·c for a depthwise one, the matrix for a dense one).
    private func roofline(_ loaded: LoadedSession, times: [Double]) -> [RooflineChart.Layer] {
        let batch = options.batch, elementBytes = loaded.isQuantized ? 1.0 : 4.0
        var inputElements = loaded.inputShape.reduce(1, *)
        return loaded.operationNames.enumerated().map { index, op in
            let shape = loaded.outputShapes[index]
            let outputElements = shape.reduce(1, *), macs = loaded.multiplyAdds[index]
            let weights = outputElements > 0 ? macs * (shape.last ?? 1) / outputElements : 0
            let bytes = elementBytes * Double(batch * (inputElements + outputElements) + weights)
            inputElements = outputElements
            return RooflineChart.Layer(index: index, op: op, flops: 2 * Double(macs * batch), bytes: bytes,
                                       seconds: times[index])
        }
    }
}
