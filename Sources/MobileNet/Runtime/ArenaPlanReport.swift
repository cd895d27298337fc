#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An arena plan as `mobilenet plan --json` prints it: the sizes (`arena_bytes`,
/// `lower_bound_bytes`, `greedy_without_in_place_bytes`, `naive_bytes`), the steps, and every
/// buffer as `{"name", "kind", "offset", "bytes", "first_step", "last_step"}`.
public struct ArenaPlanReport: Encodable {
    struct Buffer: Encodable {
        let name: String
        let kind: String
        let offset: Int
        let bytes: Int
        let firstStep: Int
        let lastStep: Int

        enum CodingKeys: String, CodingKey {
            case name, kind, offset, bytes
            case firstStep = "first_step", lastStep = "last_step"
        }
    }

    let model: String
    let threads: Int
    let steps: [String]
    let arenaBytes: Int
    let lowerBoundBytes: Int
    let greedyWithoutInPlaceBytes: Int
    let naiveBytes: Int
    let buffers: [Buffer]

    enum CodingKeys: String, CodingKey {
        case model, threads, steps, buffers
        case arenaBytes = "arena_bytes", lowerBoundBytes = "lower_bound_bytes"
        case greedyWithoutInPlaceBytes = "greedy_without_in_place_bytes", naiveBytes = "naive_bytes"
    }

    public init(model: String, threads: Int, plan: ArenaPlan) {
        self.model = model
        self.threads = threads
        steps = plan.steps
        arenaBytes = plan.arenaBytes
        lowerBoundBytes = plan.lowerBoundBytes
        greedyWithoutInPlaceBytes = plan.greedyWithoutInPlaceBytes
        naiveBytes = plan.naiveBytes
        buffers = plan.buffers.map {
            Buffer(name: $0.name, kind: $0.kind == .tensor ? "tensor" : "scratch", offset: $0.offset,
                   bytes: $0.bytes, firstStep: $0.firstStep, lastStep: $0.lastStep)
        }
    }

    /// One line of JSON, keys sorted.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
