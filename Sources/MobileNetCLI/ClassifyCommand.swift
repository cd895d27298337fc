import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import MobileNet

/// `mobilenet classify`: the most probable classes of image files.
struct ClassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Top-K classes of images (JPEG, PNG, BMP; folders are searched recursively).",
        discussion: """
            Without --model, the embedded CIFAR-10 model (MobileNet α 0.5, 64x64, ten classes) is \
            used. --model takes our .safetensors models and checkpoints and float or int8 .tflite \
            files. Class names come from --labels (one per line, in output order), else the \
            model file, else "class N".
            Images are prepared as the model was trained when its file records it (our \
            checkpoints: resize to the training images' stored size, then to the model input as \
            the trainer did, with its normalisation); otherwise central 87.5% crop, resize to the \
            model input and --preprocess (default tf: [-1, 1]; the MLPerf Tiny models want unit). \
            --preprocess always replaces the normalisation.
            A folder is replaced by its .jpg/.jpeg/.png/.bmp files, sorted by path. A file that \
            cannot be read or decoded gets one error line on stderr (and an "error" record with \
            --json); the others are still classified, and the exit code is then 1.
            --json prints one JSON object per image and line: {"file", "top": [{"index", \
            "label", "probability"}]} or {"file", "error"}. A progress bar is shown on stderr \
            when the results go to a file or pipe and there is more than one batch.
            """)

    @Argument(help: "Image files or folders.")
    var images: [String]

    @Option(help: "Model file (.safetensors or .tflite); default: the embedded CIFAR-10 model.")
    var model: String?

    @Option(help: "Labels file: one class name per line, in the model's output order.")
    var labels: String?

    @Option(help: "Classes shown per image.")
    var top: Int = 5

    @Option(help: "Normalisation: \(NormalizationPreset.allCases.map(\.rawValue).joined(separator: ", ")) (default: the model's, else tf).")
    var preprocess: String?

    @Option(help: "Images per batch.")
    var batch: Int = 16

    @Option(help: "Threads for decoding and the network.")
    var threads: Int = 1

    @Flag(help: "Print one JSON object per image (JSON Lines).")
    var json = false

    func validate() throws {
        guard top >= 1 else { throw ValidationError("--top must be at least 1") }
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        if let preprocess, NormalizationPreset(rawValue: preprocess) == nil {
            throw ValidationError("unknown --preprocess '\(preprocess)'; one of \(NormalizationPreset.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() throws {
        var failed = false
        try reportingErrors {
            let classifier = try ImageClassifier(
                contentsOf: try modelURL(), labelsFile: labels.map { URL(fileURLWithPath: $0) },
                normalization: preprocess.flatMap(NormalizationPreset.init(rawValue:))?.normalization,
                batchSize: batch, threads: threads)
            let list = ImageFileList(paths: images)
            failed = !list.problems.isEmpty
            for problem in list.problems { printError(problem, clearingLine: false) }
            let progress = list.files.count > batch && isatty(STDOUT_FILENO) == 0
                ? ProgressBar(label: "classify", total: list.files.count) : nil
            let start = ContinuousClock.now
            var done = 0
            try classifier.classify(files: list.files, top: top) { results in
                for result in results {
                    switch result.result {
                    case .success(let scores):
                        print(json ? try jsonLine(result.file, scores: scores) : text(result.file, scores))
                    case .failure(let error):
                        failed = true
                        printError(error, clearingLine: progress != nil)
                        if json { print(try jsonLine(result.file, error: error)) }
                    }
                }
                done += results.count
                let elapsed = ContinuousClock.now - start
                let seconds = elapsed.seconds
                progress?.update(step: done, loss: .nan, accuracy: .nan, imagesPerSecond: Double(done) / max(seconds, 1e-9))
            }
            progress?.finish()
        }
        if failed { throw ExitCode(1) }
    }

    /// `--model`, or the embedded model.
    private func modelURL() throws -> URL {
        if let model { return URL(fileURLWithPath: model) }
        return try EmbeddedModel.url()
    }

    /// The text block for one image: its path, then one line per class.
    private func text(_ file: URL, _ scores: [ClassScore]) -> String {
        ([file.relativePath] + scores.map { rightAligned(fixed(Double($0.probability) * 100, 2), 8) + "%  " + $0.label })
            .joined(separator: "\n")
    }

    private func jsonLine(_ file: URL, scores: [ClassScore]? = nil, error: MobileNetError? = nil) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let record = ClassificationRecord(file: file.relativePath, top: scores, error: error.map { "\($0)" })
        return String(decoding: try encoder.encode(record), as: UTF8.self)
    }

    /// One "error: …" line on stderr; `clearingLine` first erases a progress bar drawn on a terminal.
    private func printError(_ error: MobileNetError, clearingLine: Bool) {
        let erase = clearingLine && isatty(STDERR_FILENO) != 0 ? "\r\u{1B}[K" : ""
        let line = Array("\(erase)error: \(error)\n".utf8)
        _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}

/// One line of `classify --json`.
private struct ClassificationRecord: Encodable {
    let file: String
    let top: [ClassScore]?
    let error: String?
}
