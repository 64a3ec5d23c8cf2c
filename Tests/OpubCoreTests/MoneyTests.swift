import PropertyBased
import Testing

@testable import OpubCore

@Suite("Money")
struct MoneyTests {
    @Test(
        "parses whole cents",
        arguments: [
            ("25", 25_000_000), ("25.5", 25_500_000), ("25.00", 25_000_000), ("$25.00", 25_000_000),
            ("0.01", 10_000), (" 7.10 ", 7_100_000), ("+3", 3_000_000), (".5", 500_000),
            ("1000000000.00", 1_000_000_000_000_000),
        ] as [(String, Int64)])
    func parses(text: String, micros: Int64) throws {
        #expect(try Money.parse(text) == Money(micros: micros))
    }

    @Test(
        "rejects bad amounts with the reason",
        arguments: [
            ("", MoneyParseError.empty), ("   ", .empty), ("-1", .negative), ("-0.50", .negative),
            ("1.001", .tooPrecise("1.001")), ("25.000", .tooPrecise("25.000")), ("abc", .malformed("abc")),
            ("1,000", .malformed("1,000")), ("1e5", .malformed("1e5")), ("1.", .malformed("1.")),
            ("$", .malformed("$")), ("1.2.3", .malformed("1.2.3")), ("١٢", .malformed("١٢")),
            ("1000000000.01", .tooLarge("1000000000.01")), ("99999999999999999999", .tooLarge("99999999999999999999")),
        ] as [(String, MoneyParseError)])
    func rejects(text: String, error: MoneyParseError) {
        #expect(throws: error) { try Money.parse(text) }
    }

    @Test("error messages say what to type")
    func messages() {
        #expect(MoneyParseError.tooPrecise("1.001").description.contains("whole cents"))
        #expect(MoneyParseError.negative.description.contains("negative"))
        #expect(MoneyParseError.tooLarge("x").description.contains("$1,000,000,000.00"))
    }

    @Test(
        "formats balances with grouping and cents",
        arguments: [
            (0, "$0.00"), (1_234_560_000, "$1,234.56"), (-5_000_000, "-$5.00"), (5_000, "$0.01"), (4_999, "$0.00"),
            (-5_000, "-$0.01"), (1_000_000_000_000_000, "$1,000,000,000.00"), (999_995_000, "$1,000.00"),
        ] as [(Int64, String)])
    func formatsBalances(micros: Int64, text: String) {
        #expect(Money(micros: micros).formatted() == text)
    }

    @Test(
        "formats spend rows with up to 4 decimals",
        arguments: [
            (12_300, "$0.0123"), (1_500_000, "$1.50"), (12_345, "$0.0123"), (12_350, "$0.0124"), (0, "$0.00"),
            (100, "$0.0001"), (-12_300, "-$0.0123"), (1_234_567_891, "$1,234.5679"),
        ] as [(Int64, String)])
    func formatsSpend(micros: Int64, text: String) {
        #expect(Money(micros: micros).formattedPrecise() == text)
    }

    @Test("writes exact USD strings for the JSON API")
    func usdString() {
        #expect(Money(micros: 12_345).usdString == "0.012345")
        #expect(Money(micros: -25_000_000).usdString == "-25.000000")
        #expect(Money(micros: 25_000_000).centsString == "25.00")
    }

    @Test(
        "converts provider USD text to micro-dollars, ties away from zero",
        arguments: [
            ("0.0123", 12_300), ("0.0000125", 13), ("-0.0000125", -13), ("0.0000124999", 12), ("1.25e-05", 13),
            ("1E2", 100_000_000), ("0", 0), ("12", 12_000_000), ("0.0000005", 1), ("0.00000049", 0),
            ("3.9999995", 4_000_000),
        ] as [(String, Int64)])
    func providerText(text: String, micros: Int64) {
        #expect(Money.fromProviderUSD(text) == Money(micros: micros))
    }

    @Test("converts provider doubles through their shortest decimal text")
    func providerDoubles() {
        #expect(Money.fromProviderUSD(0.1 + 0.2) == Money(micros: 300_000))
        #expect(Money.fromProviderUSD(0.0000125) == Money(micros: 13))
        #expect(Money.fromProviderUSD(2.5e-7) == Money(micros: 0))
        #expect(Money.fromProviderUSD(Double.nan) == nil)
        #expect(Money.fromProviderUSD(1e30) == nil)
        #expect(Money.fromProviderUSD("abc") == nil)
        #expect(Money.fromProviderUSD("1e999") == nil)
    }

    @Test("property: the platform fee is whole cents, rounded down, never negative and below the donation")
    func platformFee() async {
        // Two integers per case: the donation in cents and the rate in basis points (below 100 %).
        await propertyCheck(count: 500, input: Gen.int(in: 0...Int(Int32.max)).array(of: 2...2)) { pair in
            let cents = pair[0] % 100_000_000 + 1
            let basisPoints = pair[1] % 10_000
            let donation = Money(cents: Int64(cents))
            let fee = donation.platformFee(basisPoints: basisPoints)
            #expect(fee.isWholeCents && !fee.isNegative && fee < donation)
            // Rounded down: the exact fee is at most one cent above it.
            let exact = Int64(cents) * Int64(basisPoints)
            #expect(fee.wholeCents * 10_000 <= exact && exact < (fee.wholeCents + 1) * 10_000)
        }
        #expect(Money(dollars: 10).platformFee(basisPoints: 250) == Money(cents: 25))
        #expect(Money(cents: 99).platformFee(basisPoints: 100) == .zero)
        #expect(Money(dollars: 5).platformFee(basisPoints: 0) == .zero)
    }

    @Test("cents in and out: whole cents survive, fractions are dropped toward zero")
    func cents() {
        #expect(Money(cents: 1_234).micros == 12_340_000)
        #expect(Money(cents: 1_234).wholeCents == 1_234)
        #expect(Money(micros: 12_349_999).wholeCents == 1_234)
        #expect(Money(micros: -12_349_999).wholeCents == -1_234)
    }

    @Test("property: refunds, however requested or reported, never return more than a donation credited")
    func refunds() async {
        await propertyCheck(count: 300, input: Gen.int(in: 0...Int(Int32.max)).array(of: 2...30)) { seeds in
            let credited = Money(cents: Int64(seeds[0] % 1_000_000 + 1))
            var refunded = Money.zero
            for seed in seeds.dropFirst() {
                let amount = Money(cents: Int64(seed / 4 % 200_000))
                switch seed % 4 {
                case 0, 1:
                    // Stripe: one refund's amount, or the charge's cumulative total (replays included).
                    let added = DonationRefund.reported(
                        amount, isCumulative: seed % 4 == 1, credited: credited, refunded: refunded)
                    #expect(!added.isNegative)
                    refunded += added
                default:
                    // The operator asks for an amount (or everything left).
                    let asked: Money? = seed % 4 == 2 ? amount : nil
                    do {
                        refunded += try DonationRefund.requested(asked, credited: credited, refunded: refunded)
                    } catch {
                        #expect(
                            asked.map { $0 > credited - refunded || !$0.isPositive } ?? !(credited - refunded)
                                .isPositive)
                    }
                }
                #expect(refunded <= credited)
            }
        }
        // A cumulative report replayed adds nothing the second time.
        let once = DonationRefund.reported(
            Money(dollars: 4), isCumulative: true, credited: Money(dollars: 10), refunded: .zero)
        #expect(once == Money(dollars: 4))
        #expect(
            DonationRefund.reported(Money(dollars: 4), isCumulative: true, credited: Money(dollars: 10), refunded: once)
                == .zero)
        #expect(throws: DonationRefund.Refusal.nothingLeft) {
            try DonationRefund.requested(nil, credited: Money(dollars: 1), refunded: Money(dollars: 1))
        }
        #expect(throws: DonationRefund.Refusal.notAvailable(remaining: Money(dollars: 1), requested: Money(micros: 5)))
        {
            try DonationRefund.requested(Money(micros: 5), credited: Money(dollars: 1), refunded: .zero)
        }
    }
}
