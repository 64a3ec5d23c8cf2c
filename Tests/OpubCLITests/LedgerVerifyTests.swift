import Foundation
import OpubCLI
import OpubCore
import Testing

/// `opub ledger verify`: the chain and the published totals, against a server that answers what
/// the test says (an honest one, and one whose totals or chain head lie about its own ledger).
@Suite("opub ledger verify")
struct LedgerVerifyTests {
    /// Answers the project summary and the CSV export from fixed bodies.
    struct FixedServer: HTTPTransport {
        let summary: String
        let csv: String

        func send(_ exchange: HTTPExchange) async throws -> HTTPAnswer {
            if exchange.url.hasSuffix("/ledger?format=csv") { return HTTPAnswer(status: 200, body: Array(csv.utf8)) }
            if exchange.url.hasSuffix("/api/v1/projects/acme/widgets") {
                return HTTPAnswer(status: 200, body: Array(summary.utf8))
            }
            return HTTPAnswer(status: 404, body: Array(#"{"error":{"code":"project_not_found","message":"no"}}"#.utf8))
        }
    }

    static let project = ProjectID("prj_verify")!

    /// A grant, a held donation and its clear, a reserve and a spend, chained as the server chains them.
    static func chain() -> [LedgerTransaction] {
        let key = KeyID("ck_verify")!
        let donation = DonationID("don_verify")!
        let steps: [(TransactionKind, KeyID?, DonationID?, [Posting])] = [
            (
                .grant, nil, nil,
                [Posting(.grants, Money(dollars: -10)), Posting(.available(project), Money(dollars: 10))]
            ),
            (
                .donation, nil, donation,
                [Posting(.donations, Money(dollars: -5)), Posting(.held(project), Money(dollars: 5))]
            ),
            (
                .clear, nil, donation,
                [Posting(.held(project), Money(dollars: -5)), Posting(.available(project), Money(dollars: 5))]
            ),
            (
                .reserve, key, nil,
                [Posting(.available(project), Money(dollars: -4)), Posting(.reserved(key), Money(dollars: 4))]
            ),
            (
                .spend, key, nil,
                [Posting(.reserved(key), Money(micros: -1_250_000)), Posting(.provider, Money(micros: 1_250_000))]
            ),
        ]
        var chain: [LedgerTransaction] = []
        for (index, (kind, key, donation, postings)) in steps.enumerated() {
            chain.append(
                .chained(
                    id: TransactionID("tx_verify\(index)")!, projectID: project, sequence: Int64(index + 1), kind: kind,
                    idempotencyKey: "verify:\(index)", keyID: key, donationID: donation, sessionID: nil,
                    memo: "a \"quoted\", multi-line\nmemo",
                    createdAt: Timestamp(microsSinceEpoch: 1_000 + Int64(index)),
                    postings: postings, previousHash: chain.last?.hash ?? LedgerHashChain.genesis))
        }
        return chain
    }

    static func csv(_ chain: [LedgerTransaction]) -> String {
        PublicLedgerCSV.line(PublicLedgerCSV.header)
            + chain.map { PublicLedgerCSV.line(PublicLedgerCSV.fields(of: $0)) }
            .joined()
    }

    static func summary(spentMicros: Int64 = 1_250_000, chainLength: Int, head: String) -> String {
        func amount(_ micros: Int64) -> String { #"{"usd":"x","micros":\#(micros)}"# }
        return """
            {"id":"\(project.rawValue)","balance":\(amount(13_750_000)),"available":\(amount(11_000_000)),
            "held":\(amount(0)),"reserved":\(amount(2_750_000)),"donated":\(amount(5_000_000)),
            "granted":\(amount(10_000_000)),"spent":\(amount(spentMicros)),"fees":\(amount(0)),
            "chain_length":\(chainLength),"chain_head":"\(head)"}
            """
    }

    func run(_ arguments: [String], server: FixedServer) async throws -> (Int32, String, String) {
        let world = try TemporaryWorld()
        var (context, recorded) = world.context()
        context.http = server
        let status = await OpubCommand.run(arguments: arguments, in: context)
        return (status, recorded.output, recorded.error)
    }

    @Test("the CSV export reads back into the very transactions it was written from")
    func roundTrip() throws {
        let chain = Self.chain()
        let rows = try PublicLedgerCSV.rows(Self.csv(chain)[...])
        #expect(rows.first == PublicLedgerCSV.header)
        let read = try rows.dropFirst().enumerated().map { index, fields in
            try PublicLedgerCSV.transaction(from: fields, row: index + 2)
        }
        #expect(read == chain)
    }

    @Test("an honest server: the chain verifies and the published totals match, also when it grew since")
    func honest() async throws {
        var chain = Self.chain()
        let (status, output, _) = try await run(
            ["ledger", "verify", "acme/widgets", "--server", "http://127.0.0.1:9"],
            server: FixedServer(
                summary: Self.summary(chainLength: chain.count, head: chain.last!.hash), csv: Self.csv(chain)))
        #expect(status == 0)
        #expect(output.contains("verifies: 5 transaction(s)") && output.contains("published totals match"))

        // A transaction posted between the summary and the download is checked but not compared.
        let published = Self.summary(chainLength: chain.count, head: chain.last!.hash)
        chain.append(
            .chained(
                id: TransactionID("tx_verifylate")!, projectID: Self.project, sequence: 6, kind: .grant,
                idempotencyKey: "late", keyID: nil, donationID: nil, sessionID: nil, memo: "late",
                createdAt: Timestamp(microsSinceEpoch: 9_000),
                postings: [Posting(.grants, Money(dollars: -1)), Posting(.available(Self.project), Money(dollars: 1))],
                previousHash: chain.last!.hash))
        let grown = try await run(
            ["ledger", "verify", "acme/widgets", "--server", "http://127.0.0.1:9"],
            server: FixedServer(summary: published, csv: Self.csv(chain)))
        #expect(grown.0 == 0, "\(grown.2)")
    }

    @Test("published totals or a chain head that disagree with the chain fail, naming what")
    func lyingServer() async throws {
        let chain = Self.chain()
        let spent = try await run(
            ["ledger", "verify", "acme/widgets", "--server", "http://127.0.0.1:9"],
            server: FixedServer(
                summary: Self.summary(spentMicros: 1, chainLength: chain.count, head: chain.last!.hash),
                csv: Self.csv(chain)))
        #expect(spent.0 == 1)
        #expect(spent.2.contains("publishes spent $0.000001 but the chain adds up to $1.250000"))

        let head = try await run(
            ["ledger", "verify", "acme/widgets", "--server", "http://127.0.0.1:9"],
            server: FixedServer(summary: Self.summary(chainLength: chain.count, head: "00"), csv: Self.csv(chain)))
        #expect(head.0 == 1 && head.2.contains("chain head"))

        let short = try await run(
            ["ledger", "verify", "acme/widgets", "--server", "http://127.0.0.1:9"],
            server: FixedServer(
                summary: Self.summary(chainLength: chain.count, head: chain.last!.hash),
                csv: Self.csv(Array(chain.prefix(3)))))
        #expect(short.0 == 1 && short.2.contains("the export holds 3"))
    }
}
