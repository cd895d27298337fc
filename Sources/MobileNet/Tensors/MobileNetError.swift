@_exported import MobileNetRuntime

/// Every error the library throws: the runtime's error type (one enum for the toolkit and the
/// int8 runtime, so errors pass between them unchanged; see `RuntimeError` for the cases).
public typealias MobileNetError = RuntimeError
