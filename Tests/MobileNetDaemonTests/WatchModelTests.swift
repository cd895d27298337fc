import MobileNet
import Testing
@testable import MobileNetDaemon

/// The normalisation an int8 model's input quantization implies when its file records none.
struct WatchModelTests {
    @Test func inputQuantizationRangeNamesThePreset() {
        // MLPerf Tiny VWW: scale 1/255, zero point -128 covers [0, 1].
        #expect(WatchModel.preset(coveredBy: QuantizationParameters(scale: 1.0 / 255, zeroPoint: -128)) == .unit)
        // [-1, 1] inputs: scale 1/128, zero point 0 covers [-1, 0.992].
        #expect(WatchModel.preset(coveredBy: QuantizationParameters(scale: 0.0078125, zeroPoint: 0)) == .tf)
        // ImageNet-statistics inputs cover neither.
        #expect(WatchModel.preset(coveredBy: QuantizationParameters(scale: 0.0186, zeroPoint: -14)) == nil)
    }
}
