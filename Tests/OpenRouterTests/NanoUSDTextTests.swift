import Testing

@testable import OpenRouterSim

/// The simulator writes every amount as decimal text with no trailing zeros, and reads it back exactly.
@Suite("Simulator amounts as decimal text")
struct NanoUSDTextTests {
    @Test(
        "whole, fractional, tiny and negative amounts",
        arguments: [
            (0, "0"), (1_000_000_000, "1"), (1_500_000_000, "1.5"), (150, "0.00000015"), (1, "0.000000001"),
            (-2_050_000_000, "-2.05"), (12_345_678_901, "12.345678901"), (100_000_000, "0.1"),
        ] as [(Int64, String)])
    func text(value: Int64, expected: String) {
        let amount = NanoUSD(value: value)
        #expect(amount.decimalText == expected)
        #expect(NanoUSD(decimalText: amount.decimalText) == amount)
    }
}
