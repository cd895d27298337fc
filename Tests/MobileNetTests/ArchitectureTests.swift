import Testing
import MobileNet

@Suite struct ArchitectureTests {
    @Test func table1Shapes() throws {
        let arch = try MobileNetArchitecture(MobileNetConfig())
        let convs = arch.layers.filter { [.conv, .depthwise, .pointwise].contains($0.kind) }
        #expect(convs.count == 27)
        #expect(convs.first!.outputShape == [112, 112, 32])
        #expect(convs.last!.outputShape == [7, 7, 1024])
        #expect(arch.outputShape == [1000])
    }

    @Test(arguments: [
        (MobileNetConfig(alpha: 0), "alpha must be a positive number"),
        (MobileNetConfig(alpha: 1e300), "alpha must be at most 1e6"),
        (MobileNetConfig(alpha: .nan), "alpha must be a positive number"),
        (MobileNetConfig(height: 31), "input must be at least 32x32"),
        (MobileNetConfig(height: 1 << 40), "input must be at most 65536x65536"),
        (MobileNetConfig(classes: 0), "classes must be at least 1"),
        (MobileNetConfig(alpha: 0.01), "leaves the stem with no channels"),
    ])
    func invalidConfigurationsAreOneLineErrors(_ c: (MobileNetConfig, String)) {
        #expect {
            _ = try MobileNetArchitecture(c.0)
        } throws: { error in
            "\(error)".contains(c.1) && !"\(error)".contains("\n")
        }
    }

    @Test func channelRoundingRules() {
        #expect(ChannelRounding.keras.channels(32, alpha: 0.3) == 9)      // int(9.6)
        #expect(ChannelRounding.keras.channels(1024, alpha: 0.3) == 307)  // int(307.2)
        #expect(ChannelRounding.keras.channels(32, alpha: 0.25) == 8)
        #expect(ChannelRounding.slim.channels(32, alpha: 0.1) == 8)       // max(int(3.2), 8)
        #expect(ChannelRounding.keras.channels(64, alpha: 0.75) == 48)
    }

    @Test func variantsChangeTheBlocks() throws {
        let conv = try MobileNetArchitecture(MobileNetConfig(variant: .conv))
        #expect(!conv.layers.contains { $0.kind == .depthwise || $0.kind == .pointwise })
        #expect(conv.layers.filter { $0.kind == .conv }.count == 14)
        let shallow = try MobileNetArchitecture(MobileNetConfig(variant: .shallow))
        #expect(shallow.layers.filter { $0.kind == .depthwise }.count == 8)
        #expect(!shallow.layers.contains { $0.name == "conv_dw_7" || $0.name == "conv_pw_11" })
    }

    @Test func strideTwoPaddingFollowsKerasOnOddSizes() throws {
        // 35 → stem SAME: 18; block 2 (stride 2) pads bottom/right by one then VALID: (18+1-3)/2+1 = 9.
        let keras = try MobileNetArchitecture(MobileNetConfig(alpha: 0.25, height: 35))
        let dw2 = keras.layers.first { $0.name == "conv_dw_2" }!
        #expect(dw2.padding == Padding(top: 0, left: 0, bottom: 1, right: 1))
        #expect(dw2.outputShape[0] == 9)
        // Block 4 sees 9 (odd): Keras gives (9+1-3)/2+1 = 4, TF SAME gives ceil(9/2) = 5.
        let dw4 = keras.layers.first { $0.name == "conv_dw_4" }!
        #expect(dw4.outputShape[0] == 4)
        let same = try MobileNetArchitecture(MobileNetConfig(alpha: 0.25, height: 35, stridePadding: .same))
        #expect(same.layers.first { $0.name == "conv_dw_4" }!.outputShape[0] == 5)
    }
}
