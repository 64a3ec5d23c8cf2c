import Foundation
import OpubCore
import OpubSurfaces
import Testing

@testable import OpubServer
@testable import OpubStore

/// Every JSON answer the server writes, encoded from a realistic sample as its route encodes it and
/// checked against the schema `/api/openapi.yaml` gives that answer: a key the encoder writes that the
/// schema does not declare, a required key it leaves out or a value of another type fails here, before
/// schemathesis or a generated client ever sees it.
@Suite("OpenAPI schemas")
struct OpenAPISchemaTests {
    static func document() throws -> OpenAPISchema {
        guard let yaml = OpenAPIDocument.yaml else { throw TestFailure("the openapi.yaml resource is missing") }
        return try OpenAPISchema(yaml: yaml)
    }

    /// `sample` as the server writes it, read back.
    static func encoded(_ sample: some Encodable) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(JSON.data(sample)))
    }

    /// Checks samples against the answers the document gives operations, and remembers which answers
    /// were checked.
    struct AnswerCheck {
        let document: OpenAPISchema
        var checked: Set<String> = []

        mutating func answer(
            _ sample: some Encodable, _ operation: String, _ status: String = "200",
            sourceLocation: SourceLocation = #_sourceLocation
        ) throws {
            let unset = unsetOptionals(in: sample)
            #expect(
                unset.isEmpty, "the sample for \(operation) \(status) leaves \(unset) nil, so those keys go unchecked",
                sourceLocation: sourceLocation)
            try answer(json: try OpenAPISchemaTests.encoded(sample), operation, status, sourceLocation: sourceLocation)
        }

        mutating func answer(
            json value: JSONValue, _ operation: String, _ status: String = "200",
            sourceLocation: SourceLocation = #_sourceLocation
        ) throws {
            let problems = document.violations(of: value, against: try document.answerSchema(operation, status: status))
            #expect(
                problems.isEmpty, "\(operation) \(status):\n\(problems.joined(separator: "\n"))",
                sourceLocation: sourceLocation)
            checked.insert("\(operation) \(status)")
        }
    }

    @Test("every JSON answer the server writes is declared key for key by its schema in /api/openapi.yaml")
    func answersMatchTheirSchemas() throws {
        var check = AnswerCheck(document: try Self.document())
        let project = ProjectJSON(try AnswerSamples.projectSummary())
        let maintained = MaintainedProjectJSON(
            project: project, permission: "admin", verifiedAt: AnswerSamples.time(AnswerSamples.now).iso8601)
        let donation = try AnswerSamples.donation()
        let session = SessionJSON(
            user: UserJSON(try AnswerSamples.user()), csrfToken: "Jx3kQ9mW2tB8nC1vZ0yA5sD7fG4hK6lP8oI2uY4eR1w",
            sandbox: true)
        let rotated = MaintainerKeyRow(
            key: AnswerSamples.key(rotated: true), createdByLogin: "octocat", lastSession: try AnswerSamples.session())
        let successor = MaintainerKeyRow(
            key: AnswerSamples.key(rotated: false), createdByLogin: "octocat", lastSession: nil)
        let created = CreatedKeyJSON(try AnswerSamples.createdKey(), installCommand: AnswerSamples.installCommand)
        let alerts = AlertsJSON(try AnswerSamples.alertsOverview())
        let keyID = KeyID(unchecked: AnswerSamples.keyID)
        let projectPath = "/api/v1/projects/{owner}/{repo}"

        try check.answer(OperationsRoutes.Health(status: "ok", checks: [:]), "GET /healthz")
        try check.answer(
            OperationsRoutes.Health(
                status: "ready",
                checks: ["database": "ok", "migrations": "ok", "provider": "ok", "recommended_models": "ok"]),
            "GET /readyz")
        try check.answer(
            OperationsRoutes.Health(status: "not_ready", checks: ["database": "unreachable"]), "GET /readyz", "503")
        try check.answer(session, "POST /auth/sandbox")
        try check.answer(session, "GET /api/v1/me")
        try check.answer(PageJSON(items: [maintained], nextCursor: nil), "GET /api/v1/me/projects")
        try check.answer(
            PageJSON(items: [MyDonationJSON(donation, project: "acme/widgets")], nextCursor: "d1795400000123456"),
            "GET /api/v1/me/donations")
        try check.answer(PageJSON(items: [project], nextCursor: "r1795400000123456"), "GET /api/v1/projects")
        try check.answer(maintained, "POST /api/v1/projects")
        try check.answer(maintained, "POST /api/v1/projects", "201")
        try check.answer(project, "GET \(projectPath)")
        try check.answer(
            PageJSON(items: [PublicDonationJSON(donation)], nextCursor: "d1795400000123456"),
            "GET \(projectPath)/donations")
        try check.answer(
            CheckoutJSON(
                donationID: AnswerSamples.donationID, checkoutURL: "https://checkout.stripe.com/c/pay/cs_test_a1b2c3d4"),
            "POST \(projectPath)/donations", "201")
        try check.answer(WebhookReceiptJSON(received: true, duplicate: false), "POST /webhooks/stripe")
        try check.answer(
            SandboxCheckoutResultJSON(donationID: AnswerSamples.donationID, status: "completed"),
            "POST /sandbox/checkout/{session}/complete")
        try check.answer(
            SandboxCheckoutResultJSON(donationID: AnswerSamples.donationID, status: "failed"),
            "POST /sandbox/checkout/{session}/cancel")
        try check.answer(
            PageJSON(items: [rotated, successor].map(KeyJSON.init), nextCursor: nil), "GET \(projectPath)/keys")
        try check.answer(created, "POST \(projectPath)/keys", "201")
        try check.answer(created, "POST \(projectPath)/keys/{key}/rotate", "201")
        try check.answer(alerts, "GET \(projectPath)/alerts")
        try check.answer(alerts, "PUT \(projectPath)/alert-webhook")
        try check.answer(alerts, "POST \(projectPath)/alert-webhook/secret")
        try check.answer(
            DirectUseRevokeJSON(key: AnswerSamples.keyID, threshold: AmountJSON(Money(dollars: 5))),
            "PUT \(projectPath)/keys/{key}/direct-use-revoke")
        try check.answer(
            DirectUseRevokeJSON(key: AnswerSamples.keyID, threshold: nil),
            "PUT \(projectPath)/keys/{key}/direct-use-revoke")
        try check.answer(RevokedJSON(keyID, .revoked), "POST \(projectPath)/keys/{key}/revoke")
        try check.answer(RevokedJSON(keyID, .revokedPendingProvider), "POST \(projectPath)/keys/{key}/revoke", "202")
        try check.answer(
            PageJSON(items: AnswerSamples.transactions().map(LedgerTransactionJSON.init), nextCursor: "l40"),
            "GET \(projectPath)/ledger")
        try check.answer(
            SpendPageJSON(page: Page(items: [try AnswerSamples.usage()], nextCursor: "u2026"), detailPendingKeys: 1),
            "GET \(projectPath)/spend")
        try check.answer(
            PageJSON(items: [TraceRequestJSON(try AnswerSamples.trace())], nextCursor: "t1795389600"),
            "GET \(projectPath)/requests")
        try check.answer(
            PageJSON(items: [PublicSessionJSON(try AnswerSamples.session())], nextCursor: "s1795389600"),
            "GET \(projectPath)/sessions")
        for method in ["POST", "PUT"] {
            for rejected in [0, 2] {
                let body = TraceIngestRoutes.exportBody(rejected: rejected)
                try check.answer(
                    json: try JSONDecoder().decode(JSONValue.self, from: Data(body.utf8)),
                    "\(method) /ingest/openrouter/traces")
            }
        }
        try check.answer(AnswerSamples.cliKeyStatus(), "GET /api/v1/cli/keys/{key}")
        try check.answer(RevokedJSON(keyID, .revoked), "POST /api/v1/cli/keys/{key}/revoke", "202")
        try check.answer(
            CLISessionStarted(notices: [
                "$0.42 spent outside opub sessions since your last session (see opub status; revoke the key if "
                    + "that was not you)"
            ]), "PUT /api/v1/cli/sessions/{session}", "201")
        try check.answer(
            DownloadRoutes.Listing(
                version: "0.1.0", platforms: ["linux-aarch64", "linux-x86_64", "macos-arm64"],
                installCommand: AnswerSamples.installCommand),
            "GET /downloads/opub")

        let unchecked = check.document.jsonAnswers.subtracting(check.checked)
        #expect(unchecked.isEmpty, "documented JSON answers without a sample here: \(unchecked.sorted())")
    }

    @Test("every error the server writes is the document's Error schema, and every error answer refers to it")
    func errorsMatchTheirSchema() throws {
        let document = try Self.document()
        let errors: [APIError] = [
            .badRequest(
                "invalid_parameter", "limit must be a whole number from 1 to 100.",
                details: ["parameter": .string("limit")]),
            .signInRequired(),
            .rateLimited(retryAfter: 30, scope: "cli"),
            .conflict(
                "key_disabled", "Key laptop is disabled (rotated).",
                details: ["key": .string(AnswerSamples.keyID), "state": .string("disabled")]),
            .upstream("github", "GitHub did not answer; try again in a minute."),
        ]
        for error in errors {
            let problems = document.violations(
                of: try Self.encoded(error.body), against: try document.schema(named: "Error"))
            #expect(problems.isEmpty, "\(error): \(problems)")
        }
        // Errors (4xx, 5xx and default) answer with the shared Error schema; the one JSON answer of an
        // error status that does not is readiness's 503, whose body is the health checks.
        let otherErrors = document.jsonAnswers.filter {
            let status = $0.split(separator: " ").last ?? ""
            return status == "default" || status.hasPrefix("4") || status.hasPrefix("5")
        }
        #expect(otherErrors == ["GET /readyz 503"])
    }

    @Test("the request bodies the CLI sends are what the document's request schemas declare")
    func cliRequestsMatchTheirSchemas() throws {
        let document = try Self.document()
        let start = CLISessionStart(
            keyID: AnswerSamples.keyID, surface: "claude", surfaceVersion: "2.0.14", cliVersion: "0.1.0",
            os: "linux")
        let end = CLISessionEnd(exitCode: 0, reason: "exited")
        let samples: [(any Encodable, String)] = [
            (start, "PUT /api/v1/cli/sessions/{session}"), (end, "POST /api/v1/cli/sessions/{session}/end"),
        ]
        for (sample, operation) in samples {
            #expect(unsetOptionals(in: sample).isEmpty, "\(operation): \(unsetOptionals(in: sample))")
            let problems = document.violations(
                of: try Self.encoded(sample), against: try document.requestSchema(operation))
            #expect(problems.isEmpty, "\(operation): \(problems)")
        }
    }

    /// The checks above can fail: a key the schema does not declare (a field added to `KeyJSON` and not
    /// to the document), a required key missing, a wrong type, null where it is not allowed, a nested
    /// undeclared key behind `oneOf` and `$ref`, a broken pattern, and a sample whose nil optional would
    /// hide its key.
    @Test("the schema check refuses what the schema does not allow")
    func checkRefusesWhatTheSchemaDoesNot() throws {
        let document = try Self.document()
        let schema = try document.schema(named: "Key")
        let row = MaintainerKeyRow(
            key: AnswerSamples.key(rotated: true), createdByLogin: "octocat", lastSession: try AnswerSamples.session())
        guard let key = try Self.encoded(KeyJSON(row)).dictionaryValue else { throw TestFailure("a key is no object") }
        #expect(document.violations(of: .dictionary(key), against: schema).isEmpty)

        var added = key
        added["spend_hint"] = .string("cheap")
        #expect(
            document.violations(of: .dictionary(added), against: schema) == [
                "$: spend_hint is not declared in the schema"
            ])

        var missing = key
        missing["name"] = nil
        #expect(document.violations(of: .dictionary(missing), against: schema) == ["$: lacks the required name"])

        var retyped = key
        retyped["limit"] = .string("25.00")
        #expect(document.violations(of: .dictionary(retyped), against: schema).contains { $0.hasPrefix("$.limit:") })

        var nulled = key
        nulled["name"] = .null
        #expect(
            document.violations(of: .dictionary(nulled), against: schema) == ["$.name: is null, the schema says string"]
        )

        guard var lastSession = key["last_session"]?.dictionaryValue else { throw TestFailure("no last_session") }
        lastSession["host"] = .string("laptop.local")
        var nested = key
        nested["last_session"] = .dictionary(lastSession)
        #expect(document.violations(of: .dictionary(nested), against: schema).count == 1)

        let amount: JSONValue = .dictionary(["usd": .string("25"), "micros": .int(25_000_000)])
        #expect(document.violations(of: amount, against: try document.schema(named: "Amount")).count == 1)

        struct Hidden: Encodable {
            let id: String
            let hint: String?
            @NullEncoded var note: String?
        }
        #expect(unsetOptionals(in: Hidden(id: "x", hint: nil, note: nil)) == ["hint"])
        #expect(unsetOptionals(in: Hidden(id: "x", hint: "y", note: nil)).isEmpty)
    }
}
