#if arch(arm64)
/// Runs `tile(row, columns)` for the rows `rows.lowerBound`, `+ height`, … while a whole tile of
/// `height` rows fits in `rows`, and returns the first row left. When `columns` is `full` the
/// tiles get it as a constant, so that their stores specialize (one vector store per row, no
/// compare): the NEON GEMMs loop over a panel's tiles with this inside one function.
@inline(__always)
func forEachTile(_ rows: Range<Int>, height: Int, columns: Int, full: Int, _ tile: (Int, Int) -> Void) -> Int {
    @inline(__always) func run(_ columns: Int) -> Int {
        var row = rows.lowerBound
        while row &+ height <= rows.upperBound {
            tile(row, columns)
            row &+= height
        }
        return row
    }
    return columns == full ? run(full) : run(columns)
}
#endif
