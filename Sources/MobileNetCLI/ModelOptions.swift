import ArgumentParser

/// The model and run shape shared by `bench` and `profile`.
struct ModelOptions: ParsableArguments {
    @Option(help: "Model file (.tflite or .safetensors). Without it, a random-weight MobileNet of --alpha/--resolution.")
    var model: String?

    @Option(help: "Width multiplier of the random-weight model.")
    var alpha: Double = 1

    @Option(help: "Input resolution of the random-weight model.")
    var resolution: Int = 224

    @Option(help: "Images per batch.")
    var batch: Int = 1

    @Option(help: "Worker threads.")
    var threads: Int = 1

    func validate() throws {
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    /// Loads (or builds) the model and packs it into a session.
    func load() throws -> LoadedSession {
        try LoadedSession(model: model, alpha: alpha, resolution: resolution, batch: batch, threads: threads)
    }
}
