/// Where output coordinate `o` of a bilinear resize from `sourceCount` to `outputCount` samples
/// reads: PyTorch's `F.interpolate(mode="bilinear", align_corners=False)` without antialias,
/// in Float as PyTorch computes it: `x = max(0, (o + 0.5) · source/output − 0.5)`, the
/// samples `⌊x⌋` and `min(⌊x⌋ + 1, source − 1)`, the second weighted `x − ⌊x⌋`.
@inline(__always)
func bilinearTap(_ o: Int, sourceCount: Int, outputCount: Int) -> (first: Int, second: Int, weight: Float) {
    let scale = Float(sourceCount) / Float(outputCount)
    let x = max(0, scale * (Float(o) + 0.5) - 0.5)
    let first = min(Int(x), sourceCount - 1)
    let weight = min(max(x - Float(first), 0), 1)
    return (first, min(first + 1, sourceCount - 1), weight)
}

/// The index that reads position `i` of a row of `count` samples mirrored at both ends without
/// repeating the edge (PyTorch/NumPy "reflect": −1 → 1, count → count − 2), repeated
/// periodically so any integer maps inside.
@inline(__always)
func reflectIndex(_ i: Int, count: Int) -> Int {
    if i >= 0 && i < count { return i }
    guard count > 1 else { return 0 }
    let period = 2 * (count - 1)
    let m = ((i % period) + period) % period
    return m < count ? m : period - m
}
