import Testing
import MobileNet

@Suite struct ArchitectureTests {
    @Test func table1Shapes() throws {
        let arch = try MobileNetArchitecture(MobileNetConfig())
        let convs = arch.layers.filter { [.conv, .depthwise, .pointwise].contains($0.kind) }
        #expect(convs.count == 27)
        #expect(convs.first!.outputShape == [112, 112, 32])
        #expect(convs.last!.outputShape == [7, 7, 1024])
        #expect(arch.outputShape == [1000])
    }
}
