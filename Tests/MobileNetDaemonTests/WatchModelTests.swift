import Foundation
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

/// A model with standard TFLite metadata (written by tflite-support's metadata writer, as Model
/// Maker exports carry it; scripts/fixtures/make_watch_metadata_fixture.sh) works with no flags.
struct TFLiteStandardMetadataTests {
    static let fixtures = DaemonTestSupport.packageRoot.appendingPathComponent("Tests/MobileNetDaemonTests/Fixtures")

    @Test func labelsFileAndNormalizationComeFromTheMetadata() throws {
        let path = Self.fixtures.appendingPathComponent("a020_64x64_c5_metadata.tflite").path
        let metadata = try #require(try TFLiteStandardMetadata(fileAt: path))
        #expect(metadata.labels == ["daisy", "dandelion", "roses", "sunflowers", "tulips"])
        #expect(metadata.mean == [0] && metadata.std == [255])
        let model = try WatchModel(path: path, embeddedPath: "", labelsPath: nil, preprocess: nil, threads: 1)
        #expect((0..<5).map { model.names.name($0) } == ["daisy", "dandelion", "roses", "sunflowers", "tulips"])
        #expect(model.destination.normalization == NormalizationPreset.unit.normalization)
        #expect(model.summary.contains("from the model's metadata"), "\(model.summary)")
        // The same network without metadata: numbered classes, another normalisation.
        let plain = DaemonTestSupport.packageRoot.appendingPathComponent("Tests/MobileNetTests/Fixtures/int8/a020_64x64_c5.tflite").path
        #expect(try TFLiteStandardMetadata(fileAt: plain) == nil)
        let bare = try WatchModel(path: plain, embeddedPath: "", labelsPath: nil, preprocess: nil, threads: 1)
        #expect(bare.names.name(0) == "class 0")
        #expect(bare.destination.normalization != NormalizationPreset.unit.normalization)
    }

    @Test func truncatedArchiveIsOneClearError() throws {
        let path = Self.fixtures.appendingPathComponent("a020_64x64_c5_metadata.tflite").path
        let bytes = try #require(FileManager.default.contents(atPath: path))
        let folder = try DaemonTestSupport.temporaryFolder("metadata")
        let cut = folder.appendingPathComponent("cut.tflite")
        try bytes.prefix(bytes.count - 30).write(to: cut)  // the zip's end record lost
        #expect(throws: MobileNetError.self) { try TFLiteStandardMetadata(fileAt: cut.path) }
    }
}
