/// The usual ways to map 8-bit pixel values to network inputs.
public enum NormalizationPreset: String, Codable, CaseIterable, Sendable {
    /// `v / 127.5 − 1`: [-1, 1] (Keras `preprocess_input` mode "tf"; MobileNet's own training).
    case tf
    /// `(v / 255 − mean) / std` with ImageNet's statistics (torchvision, Keras mode "torch").
    case torch
    /// BGR channel order and ImageNet mean subtraction on 0...255 (Keras mode "caffe").
    case caffe
    /// `v / 255`: [0, 1].
    case unit

    /// The preset as mean and standard deviation.
    public var normalization: PixelNormalization {
        switch self {
        case .tf: return PixelNormalization(validMean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], channelOrder: .rgb)
        case .torch:
            return PixelNormalization(validMean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], channelOrder: .rgb)
        case .caffe:
            let mean: [Float] = [123.68, 116.779, 103.939].map { $0 / 255 }
            return PixelNormalization(validMean: mean, std: [1, 1, 1].map { $0 / 255 }, channelOrder: .bgr)
        case .unit: return PixelNormalization(validMean: [0, 0, 0], std: [1, 1, 1], channelOrder: .rgb)
        }
    }
}

/// Per-channel `(v / 255 − mean[c]) / std[c]` for 8-bit values `v`, with the statistics given
/// on the [0, 1] scale (torchvision's convention) in R, G, B order, and the order the channels
/// are written in.
public struct PixelNormalization: Sendable, Equatable, Codable {
    /// How the three channels are laid out in the output.
    public enum ChannelOrder: String, Sendable, Codable {
        case rgb, bgr
    }

    /// Mean of R, G, B on the [0, 1] scale.
    public let mean: [Float]
    /// Standard deviation of R, G, B on the [0, 1] scale.
    public let std: [Float]
    public let channelOrder: ChannelOrder

    /// Throws `.invalidArgument` unless `mean` and `std` hold three finite values and every
    /// `std` is positive.
    public init(mean: [Float], std: [Float], channelOrder: ChannelOrder = .rgb) throws {
        guard mean.count == 3, std.count == 3, mean.allSatisfy(\.isFinite),
              std.allSatisfy({ $0.isFinite && $0 > 0 })
        else {
            throw MobileNetError.invalidArgument(
                "pixel normalization needs three finite means and three positive standard deviations, got mean \(mean), std \(std)")
        }
        self.init(validMean: mean, std: std, channelOrder: channelOrder)
    }

    fileprivate init(validMean mean: [Float], std: [Float], channelOrder: ChannelOrder) {
        self.mean = mean
        self.std = std
        self.channelOrder = channelOrder
    }

    /// `(scale, offset)` per output channel such that `output = v · scale + offset` for a value
    /// `v` on the 0...255 scale.
    var affine: (scale: [Float], offset: [Float]) {
        let order = channelOrder == .rgb ? [0, 1, 2] : [2, 1, 0]
        return (order.map { 1 / (255 * std[$0]) }, order.map { -mean[$0] / std[$0] })
    }
}
