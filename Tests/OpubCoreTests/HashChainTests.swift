import Testing

@testable import OpubCore

@Suite("Hash chain")
struct HashChainTests {
    /// Vectors computed independently (Python's hashlib over the byte format documented in
    /// `LedgerHashChain` and docs/ledger.md), so the documented format and the code cannot drift apart.
    @Test("matches independently computed vectors")
    func vectors() {
        let project = ProjectID("prj_bbbbbbbbbbbbbbbbbbbbbbbb")!
        let first = LedgerTransaction.chained(
            id: TransactionID("tx_aaaaaaaaaaaaaaaaaaaaaaaa")!, projectID: project, sequence: 1, kind: .grant,
            idempotencyKey: "grant:launch", keyID: nil, donationID: nil, sessionID: nil,
            memo: "Launch credit\nline two", createdAt: Timestamp(microsSinceEpoch: 1_763_837_210_123_456),
            postings: [
                Posting(.grants, Money(micros: -25_000_000)), Posting(.available(project), Money(micros: 25_000_000)),
            ],
            previousHash: LedgerHashChain.genesis)
        #expect(first.hash == "702f7cdafe7b00184ebe8d21efd2cee6133c724b35f91d9f34664024988083ce")
        let key = KeyID("ck_dddddddddddddddddddddddd")!
        let second = LedgerTransaction.chained(
            id: TransactionID("tx_cccccccccccccccccccccccc")!, projectID: project, sequence: 2, kind: .reserve,
            idempotencyKey: "reserve:ck_dddddddddddddddddddddddd:create", keyID: key, donationID: nil, sessionID: nil,
            memo: "Reserved for key café", createdAt: Timestamp(microsSinceEpoch: 1_763_837_211_000_000),
            postings: [
                Posting(.available(project), Money(micros: -1_000_000)),
                Posting(.reserved(key), Money(micros: 1_000_000)),
            ],
            previousHash: first.hash)
        #expect(second.hash == "afdce9e30cd0bec063d6c204da4aedebdf84de1d969c10e62dcf5fb096e8b13e")
    }

    @Test("any change to a field changes the hash")
    func sensitivity() {
        let project = ProjectID("prj_x")!
        func make(
            memo: String = "m", amount: Int64 = 5, sequence: Int64 = 1, previous: String = LedgerHashChain.genesis
        )
            -> String
        {
            LedgerTransaction.chained(
                id: TransactionID("tx_a")!, projectID: project, sequence: sequence, kind: .grant, idempotencyKey: "k",
                keyID: nil, donationID: nil, sessionID: nil, memo: memo, createdAt: Timestamp(microsSinceEpoch: 1),
                postings: [
                    Posting(.grants, Money(micros: -amount)), Posting(.available(project), Money(micros: amount)),
                ],
                previousHash: previous
            ).hash
        }
        let base = make()
        #expect(make(memo: "n") != base)
        #expect(make(amount: 6) != base)
        #expect(make(sequence: 2) != base)
        #expect(make(previous: String(repeating: "1", count: 64)) != base)
    }

    @Test("account names round-trip")
    func accounts() {
        let accounts: [Account] = [
            .donations, .grants, .provider, .fees, .available(ProjectID("prj_abc")!), .reserved(KeyID("ck_def")!),
        ]
        for account in accounts {
            #expect(Account(name: account.description) == account)
        }
        #expect(Account(name: "project:nope:available") == nil)
        #expect(Account(name: "external:other") == nil)
    }
}
