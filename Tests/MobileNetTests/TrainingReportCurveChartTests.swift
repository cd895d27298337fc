import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

import MobileNet

@Suite struct TrainingReportCurveChartTests {
    /// One element of the parsed SVG: its name, attributes and text.
    struct Element {
        let name: String
        let attributes: [String: String]
        var text = ""
    }

    /// Collects the elements of an XML document in order, with Foundation's XML parser (so
    /// the document is checked for well-formedness independently of the code that wrote it).
    final class Collector: NSObject, XMLParserDelegate {
        var elements: [Element] = []
        var open: [Int] = []

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
                    qualifiedName: String?, attributes: [String: String] = [:]) {
            open.append(elements.count)
            elements.append(Element(name: name, attributes: attributes))
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if let index = open.last { elements[index].text += string }
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            open.removeLast()
        }
    }

    static let numericAttributes: Set = ["x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "width", "height"]

    /// Parses the chart's SVG, checks it is well-formed with finite numbers everywhere, and
    /// returns its elements.
    static func parse(_ chart: CurveChart, sourceLocation: SourceLocation = #_sourceLocation) throws -> [Element] {
        let svg = chart.svg
        let parser = XMLParser(data: Data(svg.utf8))
        let collector = Collector()
        parser.delegate = collector
        let parsed = parser.parse()
        #expect(parsed, "SVG is not well-formed: \(String(describing: parser.parserError))", sourceLocation: sourceLocation)
        let elements = collector.elements
        #expect(elements.first?.name == "svg", sourceLocation: sourceLocation)
        #expect(elements.first?.attributes["xmlns"] == "http://www.w3.org/2000/svg", sourceLocation: sourceLocation)
        for element in elements {
            for (key, value) in element.attributes where numericAttributes.contains(key) {
                #expect(Double(value)?.isFinite == true, "\(element.name) \(key)=\(value)", sourceLocation: sourceLocation)
            }
            if element.name == "polyline" {
                #expect(points(element).count >= 2, sourceLocation: sourceLocation)
            }
        }
        return elements
    }

    /// The (x, y) pairs of a polyline's `points`; fails the test on a non-finite number.
    static func points(_ element: Element) -> [(x: Double, y: Double)] {
        (element.attributes["points"] ?? "").split(separator: " ").map { pair in
            let numbers = pair.split(separator: ",").compactMap { Double($0) }
            #expect(numbers.count == 2 && numbers.allSatisfy(\.isFinite), "bad point \(pair)")
            return (numbers.first ?? .nan, numbers.last ?? .nan)
        }
    }

    static func record(_ epoch: Int, trainLoss: Double, valLoss: Double, trainTop1: Double, valTop1: Double) -> EpochMetrics {
        EpochMetrics(epoch: epoch, step: epoch * 10, learningRate: 0.1, trainLoss: trainLoss, trainTop1: trainTop1,
                     valLoss: valLoss, valTop1: valTop1, valTop5: .nan, imagesPerSecond: 900,
                     epochSeconds: 50, dataSeconds: 2)
    }

    static let fourEpochs = [
        record(1, trainLoss: 2.2, valLoss: 1.9, trainTop1: 0.20, valTop1: 0.31),
        record(2, trainLoss: 1.6, valLoss: 1.5, trainTop1: 0.42, valTop1: 0.47),
        record(3, trainLoss: 1.2, valLoss: 1.3, trainTop1: 0.57, valTop1: 0.55),
        record(4, trainLoss: 0.9, valLoss: 1.25, trainTop1: 0.68, valTop1: 0.58),
    ]

    /// The y-axis ticks of the panel whose tick labels sit left of `panelRight`: (value, y).
    static func yTicks(_ elements: [Element], panelRight: Double) -> [(value: Double, y: Double)] {
        elements.filter { $0.name == "text" && $0.attributes["text-anchor"] == "end" }
            .compactMap { element -> (Double, Double)? in
                guard let x = Double(element.attributes["x"] ?? ""), x < panelRight, x > panelRight - 480,
                      let value = Double(element.text), let y = Double(element.attributes["y"] ?? "") else { return nil }
                return (value, y - 4)  // labels sit 4 units below their tick
            }
    }

    /// Where the axis drawn by `ticks` puts `value` (linear through the first and last tick).
    static func y(of value: Double, ticks: [(value: Double, y: Double)]) -> Double {
        let (a, b) = (ticks.first!, ticks.last!)
        return a.y + (value - a.value) / (b.value - a.value) * (b.y - a.y)
    }

    @Test func curvesSitWhereTheirAxesSay() throws {
        let elements = try Self.parse(CurveChart(title: "α=0.5 & 64x64 <run>", records: Self.fourEpochs.reversed()))
        #expect(elements.first { $0.name == "title" }?.text == "α=0.5 & 64x64 <run>")
        let texts = elements.filter { $0.name == "text" }.map(\.text)
        for label in ["α=0.5 & 64x64 <run>", "epoch", "loss", "top-1 accuracy (%)", "train", "validation",
                      "train top-1", "validation top-1"] {
            #expect(texts.contains(label), "missing text '\(label)'")
        }
        #expect(!texts.contains("no data"))

        let lines = elements.filter { $0.name == "polyline" }
        #expect(lines.map { $0.attributes["class"] } == ["train", "validation", "train", "validation"])
        #expect(lines.allSatisfy { Self.points($0).count == 4 })
        #expect(elements.filter { $0.name == "circle" }.count == 16)

        // Loss panel (x < 480) and accuracy panel (x ≥ 480): every point at its value on the
        // panel's own tick scale, epochs left to right.
        let lossTicks = Self.yTicks(elements, panelRight: 480)
        let accuracyTicks = Self.yTicks(elements, panelRight: 960)
        #expect(lossTicks.count >= 3 && accuracyTicks.count >= 3)
        #expect(accuracyTicks.allSatisfy { (0...100).contains($0.value) })
        let expected: [[Double]] = [
            Self.fourEpochs.map(\.trainLoss), Self.fourEpochs.map(\.valLoss),
            Self.fourEpochs.map { $0.trainTop1 * 100 }, Self.fourEpochs.map { $0.valTop1 * 100 },
        ]
        for (index, line) in lines.enumerated() {
            let points = Self.points(line)
            let ticks = index < 2 ? lossTicks : accuracyTicks
            #expect(zip(points, points.dropFirst()).allSatisfy { $0.x < $1.x })
            #expect(points.allSatisfy { index < 2 ? $0.x < 480 : $0.x > 480 })
            for (point, value) in zip(points, expected[index]) {
                #expect(abs(point.y - Self.y(of: value, ticks: ticks)) < 0.02, "line \(index) value \(value)")
            }
            // Every point lies within the range the ticks span.
            let span = ticks.map(\.y)
            #expect(points.allSatisfy { $0.y >= span.min()! - 0.01 && $0.y <= span.max()! + 0.01 })
        }
        // Epoch ticks are whole numbers and the x positions are evenly spaced.
        let train = Self.points(lines[0])
        let gaps = zip(train, train.dropFirst()).map { $1.x - $0.x }
        #expect(gaps.allSatisfy { abs($0 - gaps[0]) < 0.02 })
    }

    @Test func oneEpochIsDrawnAsDots() throws {
        let elements = try Self.parse(CurveChart(title: "one", records: [Self.fourEpochs[0]]))
        #expect(elements.filter { $0.name == "polyline" }.isEmpty)
        #expect(elements.filter { $0.name == "circle" }.count == 4)
    }

    @Test func nonFiniteValuesBreakTheLines() throws {
        var records = (1...6).map {
            Self.record($0, trainLoss: 3 - 0.3 * Double($0), valLoss: 2.5, trainTop1: 0.1 * Double($0), valTop1: .nan)
        }
        records[2].trainLoss = .nan        // epoch 3
        records[4].trainLoss = .infinity   // epoch 5
        let elements = try Self.parse(CurveChart(title: "diverged", records: records))
        let lines = elements.filter { $0.name == "polyline" }
        // Train loss: epochs 1-2, then 4 alone (a dot only), then 6 alone; validation loss 1-6
        // flat; train accuracy 1-6; validation accuracy has no finite value.
        #expect(lines.map { $0.attributes["class"] } == ["train", "validation", "train"])
        #expect(lines.map { Self.points($0).count } == [2, 6, 6])
        #expect(elements.filter { $0.name == "circle" && $0.attributes["class"] == "train" }.count == 4 + 6)
        #expect(!elements.contains { $0.name == "text" && $0.text == "no data" })
    }

    @Test func emptyAndExtremeInputsStillGiveValidPictures() throws {
        let empty = try Self.parse(CurveChart(title: "", records: []))
        #expect(empty.filter { $0.name == "text" && $0.text == "no data" }.count == 2)
        #expect(empty.filter { $0.name == "polyline" || $0.name == "circle" }.isEmpty)

        let nothingMeasured = [Self.record(1, trainLoss: .nan, valLoss: -.infinity, trainTop1: .nan, valTop1: .nan)]
        #expect(try Self.parse(CurveChart(title: "x", records: nothingMeasured))
            .filter { $0.name == "text" && $0.text == "no data" }.count == 2)

        let extreme = [
            Self.record(1, trainLoss: 1e300, valLoss: -1e300, trainTop1: 0, valTop1: 1),
            Self.record(1000, trainLoss: 1e-300, valLoss: 1e300, trainTop1: 1, valTop1: 0),
        ]
        let elements = try Self.parse(CurveChart(title: "\u{1}control\u{FFFE}", records: extreme))
        #expect(elements.filter { $0.name == "polyline" }.count == 4)
    }

    @Test func writesTheFileIntoTheRunFolder() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mobilenet-chart-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let chart = CurveChart(title: "run", records: Self.fourEpochs)
        let path = try chart.write(inRunDirectory: folder.path)
        #expect(path == folder.path + "/curves.svg")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == chart.svg)
        #expect(throws: MobileNetError.self) { try chart.write(inRunDirectory: folder.path + "/missing") }
    }
}
