import Foundation
import Testing
import MobileNet

/// Table 1 counted by hand, independently of `MobileNetArchitecture`: conv and FC weights only,
/// mult-adds = weights × output map. Valid for inputs whose sizes stay even before every stride 2.
private func handCount(alpha: Double = 1, height: Int = 224, width: Int? = nil,
                       variant: String = "mobilenet", fc: Bool = true) -> (params: Int, multAdds: Int) {
    let table: [(Int, Int)] = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
                               (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1)]
    func c(_ n: Int) -> Int { Int(Double(n) * alpha) }
    var h = height / 2, w = (width ?? height) / 2
    var m = c(32)
    var params = 27 * m, madds = 27 * m * h * w
    for (i, (filters, stride)) in table.enumerated() {
        if variant == "shallow" && (7...11).contains(i + 1) { continue }
        let n = c(filters)
        if stride == 2 { h /= 2; w /= 2 }
        let weights = variant == "conv" ? 9 * m * n : 9 * m + m * n
        params += weights
        madds += weights * h * w
        m = n
    }
    if fc { params += m * 1000; madds += m * 1000 }
    return (params, madds)
}

private func report(alpha: Double = 1, height: Int = 224, width: Int? = nil,
                    variant: MobileNetVariant = .mobilenet, rounding: ChannelRounding = .keras,
                    includeTop: Bool = true) throws -> CostReport {
    try CostReport(MobileNetConfig(alpha: alpha, height: height, width: width, includeTop: includeTop,
                                   variant: variant, rounding: rounding))
}

/// Millions rounded to the nearest integer / to one decimal, as the paper prints them.
private func millions(_ n: Int) -> Int { Int((Double(n) / 1e6).rounded()) }
private func millionsOneDecimal(_ n: Int) -> Double { (Double(n) / 1e5).rounded() / 10 }

@Suite struct CostModelTests {
    @Test func exactTotalsAtAlpha1() throws {
        let r = try report()
        #expect(r.totals.params == 4_209_088)
        #expect(r.totals.multAdds == 568_740_352)
        let hand = handCount()
        #expect(r.totals.params == hand.params)
        #expect(r.totals.multAdds == hand.multAdds)
        // Stem and classifier by hand: 3·3·3·32·112·112 and 1024·1000.
        #expect(r.layers.first!.multAdds == 3 * 3 * 3 * 32 * 112 * 112)
        #expect(r.layers.first { $0.kind == .fullyConnected }!.params == 1024 * 1000)
    }

    @Test(arguments: [(1.0, 569, 4.2, 568_740_352, 4_209_088),
                      (0.75, 325, 2.6, 325_400_448, 2_568_144),
                      (0.5, 149, 1.3, 149_497_088, 1_319_648),
                      (0.25, 41, 0.5, 41_030_272, 463_600)])
    func table6WidthMultiplier(alpha: Double, paperMAdds: Int, paperParams: Double,
                               exactMAdds: Int, exactParams: Int) throws {
        let r = try report(alpha: alpha)
        #expect(r.totals.multAdds == exactMAdds)
        #expect(r.totals.params == exactParams)
        #expect(handCount(alpha: alpha) == (exactParams, exactMAdds))
        #expect(millions(r.totals.multAdds) == paperMAdds)
        #expect(millionsOneDecimal(r.totals.params) == paperParams)
    }

    @Test func table6QuarterWidthParams() throws {
        // 463,600 is 0.46 M: the paper's "0.5" is the same figure at one decimal.
        let r = try report(alpha: 0.25)
        #expect((Double(r.totals.params) / 1e4).rounded() / 100 == 0.46)
    }

    @Test(arguments: [(224, 569, 568_740_352), (192, 418, 418_121_728),
                      (160, 291, 290_675_200), (128, 186, 186_400_768)])
    func table7Resolution(size: Int, roundedMAdds: Int, exactMAdds: Int) throws {
        let r = try report(height: size)
        #expect(r.totals.multAdds == exactMAdds)
        #expect(r.totals.multAdds == handCount(height: size).multAdds)
        #expect(millions(r.totals.multAdds) == roundedMAdds)
        #expect(r.totals.params == 4_209_088)
        // The paper's column (569, 418, 290, 186) is the 224 total scaled by ρ², FC included.
        let paper = [224: 569, 192: 418, 160: 290, 128: 186][size]!
        let scaled = Double(568_740_352) * Double(size * size) / Double(224 * 224)
        #expect(Int(scaled / 1e6 + 0.5) == paper)
    }

    @Test func table7At160DisagreesWithThePaper() throws {
        let r = try report(height: 160)
        #expect(millions(r.totals.multAdds) != 290)  // paper: 290
        // Convs scale by exactly ρ² = 25/49; the FC's 1,024,000 does not scale.
        #expect((568_740_352 - 1_024_000) * 25 % 49 == 0)
        #expect(r.totals.multAdds == (568_740_352 - 1_024_000) * 25 / 49 + 1_024_000)
    }

    @Test func table4ConvMobileNet() throws {
        let r = try report(variant: .conv)
        #expect(r.totals.multAdds == 4_867_293_184)
        #expect(r.totals.params == 29_281_120)
        #expect(handCount(variant: "conv") == (29_281_120, 4_867_293_184))
        #expect(millionsOneDecimal(r.totals.params) == 29.3)  // paper 29.3
        #expect(millions(r.totals.multAdds) == 4867)  // paper 4866
        // Only leaving out the FC's 1,024,000 mult-adds lands in [4865.5 M, 4866.5 M).
        let window = (4_865_500_000..<4_866_500_000)
        let fits = r.layers.filter { $0.multAdds > 0 && window.contains(r.totals.multAdds - $0.multAdds) }
        #expect(fits.map(\.name) == ["conv_preds"])
    }

    @Test func table5ShallowMobileNet() throws {
        let r = try report(variant: .shallow)
        #expect(r.totals.multAdds == 307_323_392)
        #expect(r.totals.params == 2_875_328)
        #expect(handCount(variant: "shallow") == (2_875_328, 307_323_392))
        #expect(millions(r.totals.multAdds) == 307)
        #expect(millionsOneDecimal(r.totals.params) == 2.9)
        #expect(r.blocks.map(\.block) == [1, 2, 3, 4, 5, 6, 12, 13])
    }

    @Test func table2Shares() throws {
        let r = try report()
        // (group, mult-adds % and params % to 0.01 %, from exact integers below)
        let expected: [(CostGroup, Int, Int, Double, Double)] = [
            (.pointwise, 539_492_352, 3_139_584, 94.86, 74.59),
            (.depthwise, 17_385_984, 44_640, 3.06, 1.06),
            (.conv, 10_838_016, 864, 1.91, 0.02),  // paper prints 1.19 %
            (.fullyConnected, 1_024_000, 1_024_000, 0.18, 24.33),
        ]
        #expect(r.shares.map(\.group) == expected.map(\.0))
        for (group, madds, params, maddsPct, paramsPct) in expected {
            let share = r.share(of: group)
            #expect(share.multAdds == madds)
            #expect(share.params == params)
            #expect(abs(share.multAddsPercent - maddsPct) < 0.005, "\(group)")
            #expect(abs(share.paramsPercent - paramsPct) < 0.005, "\(group)")
            #expect(abs(share.multAddsPercent - 100 * Double(madds) / 568_740_352) < 1e-9)
        }
        #expect(expected.map(\.1).reduce(0, +) == 568_740_352)
        #expect(expected.map(\.2).reduce(0, +) == 4_209_088)
        // Stem: 3·3·3·32·112·112 = 10,838,016 = 1.906 %, not 1.19 %; the paper's column sums to 99.29.
        #expect(abs(r.share(of: .conv).multAddsPercent - 1.19) > 0.7)
        let paperColumn: [Double] = [94.86, 3.06, 1.19, 0.18]
        let paperSum: Double = paperColumn.reduce(0, +)
        #expect(abs(paperSum - 99.29) < 1e-9)
    }

    @Test func kerasCountParams() throws {
        let r = try report()
        #expect(r.totals.paramsWithBN == 4_253_864)  // Keras MobileNet(): Total params
        // Keras: trainable 4,231,976, non-trainable 21,888 (moving mean + variance).
        let bnChannels = r.layers.filter { $0.kind != .fullyConnected && $0.group != nil }
            .reduce(0) { $0 + $1.output.last! }
        #expect(2 * bnChannels == 21_888)
        #expect(r.totals.paramsWithBN - 2 * bnChannels == 4_231_976)
        // Folded: weights + one bias per conv channel + 1000 FC biases, 4 bytes each.
        #expect(r.totals.foldedParams == 4_209_088 + bnChannels + 1000)
        #expect(r.totals.fp32Bytes == 4 * 4_221_032)
    }

    @Test(arguments: [(1.0, 224, 224), (0.75, 160, 160), (0.5, 160, 224), (0.25, 128, 128)])
    func separableRatioIsTheFormula(alpha: Double, height: Int, width: Int) throws {
        let r = try report(alpha: alpha, height: height, width: width)
        #expect(r.blocks.count == 13)
        for b in r.blocks {
            let n = b.outputChannels, m = b.inputChannels, hw = b.outputMap[0] * b.outputMap[1]
            #expect(b.standardMultAdds == 9 * m * n * hw)
            #expect(b.separableMultAdds == 9 * m * hw + m * n * hw)
            // separable / standard == 1/N + 1/9 exactly  ⇔  separable · 9N == standard · (N + 9).
            #expect(b.separableMultAdds * 9 * n == b.standardMultAdds * (n + 9))
            #expect(b.formulaIsExact)
            #expect(abs(b.ratio - (1 / Double(n) + 1 / 9.0)) < 1e-15)
            #expect(b.formula == 1 / Double(n) + 1 / 9.0)
        }
    }

    @Test func swappingBlocksGivesConvMobileNet() throws {
        let mobile = try report(), conv = try report(variant: .conv)
        #expect(mobile.comparison.standardNetworkMultAdds == conv.totals.multAdds)
        #expect(conv.comparison.separableNetworkMultAdds == mobile.totals.multAdds)
        #expect(mobile.comparison.standardMultAdds == 4_855_431_168)
        #expect(mobile.comparison.separableMultAdds == 556_878_336)
        #expect(mobile.comparison.reduction > 8 && mobile.comparison.reduction < 9)  // "8 to 9 times"
    }

    @Test func slimRoundingKeepsEightChannels() throws {
        for alpha in [0.25, 0.1] {
            let slim = try report(alpha: alpha, rounding: .slim)
            let convs = slim.layers.filter { $0.group != nil && $0.kind != .fullyConnected }
            #expect(convs.allSatisfy { $0.output.last! >= 8 })
        }
        // At 0.25 both roundings agree (32·0.25 = 8); at 0.1 Keras gives int(3.2) = 3.
        #expect(try report(alpha: 0.25, rounding: .slim).totals == report(alpha: 0.25).totals)
        #expect(try report(alpha: 0.1).layers[0].output == [112, 112, 3])
        #expect(try report(alpha: 0.1, rounding: .slim).layers[0].output == [112, 112, 8])
    }

    @Test func nonSquareInput() throws {
        let r = try report(height: 160, width: 224)
        let maps = r.layers.filter { $0.kind == .conv || $0.kind == .pointwise }.map { Array($0.output.prefix(2)) }
        #expect(maps.first == [80, 112])
        #expect(maps.last == [5, 7])
        #expect(Set(maps) == [[80, 112], [40, 56], [20, 28], [10, 14], [5, 7]])
        #expect(r.totals.multAdds == handCount(height: 160, width: 224).multAdds)
    }

    @Test func withoutTop() throws {
        let r = try report(includeTop: false)
        #expect(r.totals.params == 4_209_088 - 1_024_000)
        #expect(r.totals.multAdds == 568_740_352 - 1_024_000)
        #expect(r.share(of: .fullyConnected).multAdds == 0)
    }

    @Test func jsonDocument() throws {
        let r = try report()
        let plain = try r.jsonData()
        let object = try #require(try JSONSerialization.jsonObject(with: plain) as? [String: Any])
        #expect(Set(object.keys) == ["config", "layers", "totals", "shares"])
        let totals = try #require(object["totals"] as? [String: Any])
        #expect(totals["params"] as? Int == 4_209_088)
        #expect(totals["multAdds"] as? Int == 568_740_352)
        #expect(totals["paramsWithBN"] as? Int == 4_253_864)
        let layers = try #require(object["layers"] as? [[String: Any]])
        #expect(layers.count == r.layers.count)
        #expect(Set(layers[0].keys) == ["name", "kind", "kernel", "stride", "input", "output",
                                         "params", "paramsWithBN", "multAdds"])
        #expect(layers[0]["input"] as? [Int] == [224, 224, 3])
        let shares = try #require(object["shares"] as? [[String: Any]])
        #expect(shares.map { $0["label"] as? String } == ["Conv 1×1", "Conv DW 3×3", "Conv 3×3", "Fully Connected"])

        let compared = try #require(try JSONSerialization.jsonObject(with: r.jsonData(includeBlocks: true)) as? [String: Any])
        #expect((compared["blocks"] as? [Any])?.count == 13)
        #expect(compared["comparison"] != nil)
        // Sorted keys: the same report encodes to the same bytes, top-level keys in order.
        #expect(try r.jsonData() == plain)
        let text = String(decoding: plain, as: UTF8.self)
        let order = ["\"config\"", "\"layers\"", "\"shares\"", "\"totals\""].map { text.range(of: $0)!.lowerBound }
        #expect(order == order.sorted())
    }

    @Test func invalidConfigurationsThrow() {
        #expect(throws: MobileNetError.self) { try report(alpha: 0) }
        #expect(throws: MobileNetError.self) { try report(height: 31) }
        // Counts beyond 64 bits are an error, not a trap.
        #expect(throws: MobileNetError.self) { try report(alpha: 100_000, height: 100_000) }
    }
}
