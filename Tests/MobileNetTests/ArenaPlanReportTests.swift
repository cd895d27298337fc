import Foundation
import Testing
import MobileNet

/// `mobilenet plan --json` (ArenaPlanReport) for a fixture model, checked against sizes computed
/// here from the .tflite file: every activation tensor's bytes, the input's and output's
/// lifetimes, the lower bound, and that buffers live at a common step do not overlap.
struct ArenaPlanReportTests {
    @Test func jsonOfAFixtureModelMatchesTheFile() throws {
        let url = try SharedData.fixture("int8/a020_64x64_c5.tflite")
        let (model, int8) = try RuntimePlanTests.load(url)
        let plan = try Interpreter.plan(for: int8, threads: 1)
        let text = try ArenaPlanReport(model: "a020_64x64_c5.tflite", threads: 1, plan: plan).json()
        #expect(!text.contains("\n"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let arena = try #require(json["arena_bytes"] as? Int), bound = try #require(json["lower_bound_bytes"] as? Int)
        let buffers = try #require(json["buffers"] as? [[String: Any]])
        let steps = try #require(json["steps"] as? [String])
        let declared = RuntimePlanTests.declaredStepBytes(model)
        #expect(steps.count == declared.count)

        // The input: 64 × 64 × 3 bytes, read by step 0 only; the output (5 classes) kept from
        // step 0 to the last step.
        let input = try #require(buffers.first { $0["name"] as? String == "input" })
        #expect(input["bytes"] as? Int == 64 * 64 * 3 && input["first_step"] as? Int == 0 && input["last_step"] as? Int == 0)
        let last = declared.count - 1
        let output = try #require(buffers.first { ($0["name"] as? String)?.hasPrefix("step \(last) ") == true })
        #expect(output["bytes"] as? Int == 5 && output["first_step"] as? Int == 0 && output["last_step"] as? Int == last)

        // Every step's output tensor has the bytes the file declares.
        for (step, bytes) in declared.enumerated() {
            let buffer = buffers.first {
                ($0["name"] as? String).map { $0.hasPrefix("step \(step) ") || $0.contains("= step \(step) ") } == true
                    && $0["kind"] as? String == "tensor"
            }
            #expect(buffer?["bytes"] as? Int == bytes.output || buffer?["bytes"] as? Int == bytes.input,
                    "step \(step): \(String(describing: buffer)) for \(bytes.output) declared bytes")
        }

        // Steps writing over their input (1x1 products, one thread): the output starts where the
        // input starts (chunks backward when it is wider) or ends where it ends.
        let overwrites = try #require(json["overwrites"] as? [[String: Any]])
        #expect(!overwrites.isEmpty)
        var pairs: [Int: (String, String)] = [:]
        for pair in overwrites {
            let step = pair["step"] as! Int, backward = pair["backward"] as! Bool
            let input = try #require(buffers.first { $0["name"] as? String == pair["input"] as? String })
            let output = try #require(buffers.first { $0["name"] as? String == pair["output"] as? String })
            let (oi, bi, oo, bo) = (input["offset"] as! Int, input["bytes"] as! Int, output["offset"] as! Int, output["bytes"] as! Int)
            #expect(input["last_step"] as? Int == step && output["first_step"] as? Int == step)
            #expect((bo >= bi) == backward ? oo == oi : oo + bo == oi + bi, "step \(step): \(pair)")
            pairs[step] = (pair["input"] as! String, pair["output"] as! String)
        }

        // The lower bound: the most bytes live at one step, summed here from the JSON buffers (an
        // overwriting step's input and output as the larger of the two).
        var largest = 0
        for step in 0..<steps.count {
            let live = buffers.filter { ($0["first_step"] as! Int) <= step && step <= ($0["last_step"] as! Int) }
            var bytes = live.reduce(0) { $0 + ($1["bytes"] as! Int) }
            if let (input, output) = pairs[step] {
                let sizes = live.filter { [input, output].contains($0["name"] as! String) }.map { $0["bytes"] as! Int }
                #expect(sizes.count == 2)
                bytes -= sizes.min() ?? 0
            }
            largest = max(largest, bytes)
            for (i, a) in live.enumerated() {
                for b in live[(i + 1)...] {
                    let names = Set([a["name"] as! String, b["name"] as! String])
                    if let (input, output) = pairs[step], names == [input, output] { continue }
                    let (oa, ba, ob, bb) = (a["offset"] as! Int, a["bytes"] as! Int, b["offset"] as! Int, b["bytes"] as! Int)
                    #expect(oa + ba <= ob || ob + bb <= oa, "step \(step): \(a["name"]!) overlaps \(b["name"]!)")
                }
            }
        }
        #expect(bound == largest)
        #expect(buffers.allSatisfy { ($0["offset"] as! Int) % 16 == 0 && ($0["offset"] as! Int) + ($0["bytes"] as! Int) <= arena })
        #expect(Double(arena) <= 1.10 * Double(bound))
        #expect(json["naive_bytes"] as? Int ?? 0 >= json["greedy_without_in_place_bytes"] as? Int ?? .max)
    }
}
