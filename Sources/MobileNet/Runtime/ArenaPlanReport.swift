#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An arena plan as `mobilenet plan --json` prints it: the sizes (`arena_bytes`,
/// `lower_bound_bytes`, `greedy_without_in_place_bytes`, `naive_bytes`), the steps, and every
/// buffer as `{"name", "kind", "offset", "bytes", "first_step", "last_step"}`; `overwrites` lists
/// the steps that write their output over their input (`{"step", "input", "output", "backward"}`,
/// buffer names), the one place where two buffers live at a common step overlap.
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

    struct Overwrite: Encodable {
        let step: Int
        let input: String
        let output: String
        let backward: Bool
    }

    let model: String
    let threads: Int
    let steps: [String]
    let arenaBytes: Int
    let lowerBoundBytes: Int
    let greedyWithoutInPlaceBytes: Int
    let naiveBytes: Int
    let buffers: [Buffer]
    let overwrites: [Overwrite]

    enum CodingKeys: String, CodingKey {
        case model, threads, steps, buffers, overwrites
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
        overwrites = plan.overwrites.map {
            Overwrite(step: $0.step, input: plan.buffers[$0.input].name, output: plan.buffers[$0.output].name,
                      backward: $0.backward)
        }
    }

    /// One line of JSON, keys sorted.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
