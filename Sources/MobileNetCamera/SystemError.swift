#if canImport(Glibc)
import Glibc
#endif

/// `errno` as its symbolic meaning, e.g. "No such device (errno 19)".
func errorName(_ code: Int32) -> String {
    "\(String(cString: strerror(code))) (errno \(code))"
}
