import ArgumentParser
import Foundation
import OpubCore

/// `opub ledger`: the public ledger of a project.
public struct LedgerCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "ledger", abstract: "Work with a project's public ledger.",
        subcommands: [LedgerVerifyCommand.self])

    public init() {}
}

/// `opub ledger verify owner/repo [--server …] [--csv FILE]`: anyone re-verifies a project's public
/// ledger on their own machine with the same OpubCore checks the server runs (`ChainAudit`: the hash
/// chain, balanced postings of the project's own accounts, unique idempotency keys, no unexplained
/// debt), then compares the totals the server publishes for the project with what the chain adds up
/// to at the length it published. Exit 0 when everything holds; 1 naming the first bad transaction.
///
/// Needs no key and no sign-in. The CSV export is rate-limited per address (10, then one per 30 s).
/// With `--csv` a saved copy is checked instead, without asking any server.
public struct LedgerVerifyCommand: OpubSubcommand {
    public static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Re-verify a project's public ledger (hash chain and money rules).")

    @OptionGroup public var global: GlobalOptions

    @Argument(help: "The project, as owner/repo.")
    var project: String

    @Option(help: "Check this saved CSV export instead of downloading it (no server is asked).")
    var csv: String?

    public init() {}

    /// What the server publishes about the project (`GET /api/v1/projects/{owner}/{repo}`).
    struct Published: Decodable {
        struct Amount: Decodable { let micros: Int64 }
        let id: String
        let balance: Amount
        let available: Amount
        let held: Amount
        let reserved: Amount
        let donated: Amount
        let granted: Amount
        let spent: Amount
        let fees: Amount
        let chainLength: Int64
        let chainHead: String?

        enum CodingKeys: String, CodingKey {
            case id, balance, available, held, reserved, donated, granted, spent, fees
            case chainLength = "chain_length"
            case chainHead = "chain_head"
        }
    }

    struct Report: Encodable {
        let project: String
        let valid: Bool
        let transactions: Int64
        let chainHead: String
        let comparedWithServer: Bool
        let problems: [String]

        enum CodingKeys: String, CodingKey {
            case project, valid, transactions, problems
            case chainHead = "chain_head"
            case comparedWithServer = "compared_with_server"
        }
    }

    public func run(in context: CLIContext) async throws {
        let name: RepositoryName
        do { name = try RepositoryName(parsing: project) } catch {
            throw CLIError("'\(project)' is not owner/repo (for example octocat/hello-world).", exitCode: 2)
        }
        var published: Published?
        let text: String
        if let csv {
            let path = csv.hasPrefix("/") ? csv : context.currentDirectory + "/" + csv
            guard let data = FileManager.default.contents(atPath: path),
                let decoded = String(data: data, encoding: .utf8)
            else { throw CLIError("Cannot read \(path) as a UTF-8 CSV file.", exitCode: 2) }
            text = decoded
        } else {
            let server = try CommandSupport(context: context, global: global).server(for: nil)
            let base = "\(server)/api/v1/projects/\(name.owner)/\(name.repo)"
            // The summary first: the CSV that follows holds at least the transactions it counts.
            let summary = try await fetch(base, context: context, what: "the project")
            do { published = try JSONDecoder().decode(Published.self, from: Data(summary)) } catch {
                throw CLIError("The server's answer for \(name) is not a project: \(error)")
            }
            text = String(
                decoding: try await fetch(base + "/ledger?format=csv", context: context, what: "the ledger"),
                as: UTF8.self)
        }
        let problems = try verify(text, name: name, published: published)
        let report = Report(
            project: name.description, valid: problems.isEmpty, transactions: problems.transactions,
            chainHead: problems.head, comparedWithServer: published != nil, problems: problems.messages)
        if global.json {
            try context.console.emitJSON(report)
        } else if report.valid {
            context.console.result(
                "The ledger of \(name) verifies: \(report.transactions) transaction(s), chain head \(report.chainHead)"
                    + (published == nil ? "." : ", and the server's published totals match it."))
        }
        if let first = problems.messages.first {
            if !global.json { context.console.warn(first) }
            throw ExitCode(1)
        }
    }

    struct Outcome {
        var messages: [String] = []
        var transactions: Int64 = 0
        var head = LedgerHashChain.genesis
        var isEmpty: Bool { messages.isEmpty }
    }

    /// Every problem with the CSV, in chain order, then any published total that disagrees.
    func verify(_ text: String, name: RepositoryName, published: Published?) throws -> Outcome {
        var outcome = Outcome()
        let rows: [[String]]
        do { rows = try PublicLedgerCSV.rows(text[...]) } catch { throw CLIError("\(error)") }
        guard let header = rows.first, header == PublicLedgerCSV.header else {
            throw CLIError("This is not an opub ledger export: its first row is not the export's header.")
        }
        var audit: ChainAudit?
        var atPublished: (ProjectTotals, String)?
        for (index, fields) in rows.dropFirst().enumerated() {
            let tx: LedgerTransaction
            do { tx = try PublicLedgerCSV.transaction(from: fields, row: index + 2) } catch {
                outcome.messages.append("\(error)")
                return outcome
            }
            if audit == nil {
                let project = published.flatMap { ProjectID($0.id) } ?? tx.projectID
                audit = ChainAudit(projectID: project, name: name.description)
            }
            audit?.check(tx)
            if let published, audit?.count == published.chainLength, let audit {
                atPublished = (audit.totals, audit.head)
            }
        }
        outcome.messages += (audit?.violations ?? []).map(\.description)
        outcome.transactions = audit?.count ?? 0
        outcome.head = audit?.head ?? LedgerHashChain.genesis
        guard let published else { return outcome }
        if published.chainLength == 0 { atPublished = (.zero, LedgerHashChain.genesis) }
        guard let (totals, head) = atPublished else {
            outcome.messages.append(
                "The server says \(name) has \(published.chainLength) transaction(s) but the export holds \(outcome.transactions)."
            )
            return outcome
        }
        if (published.chainHead ?? LedgerHashChain.genesis) != head {
            outcome.messages.append(
                "The server's chain head for \(name) is \(published.chainHead ?? "empty"), but the export's transaction \(published.chainLength) hashes to \(head)."
            )
        }
        for (label, server, chain) in [
            ("balance", published.balance.micros, totals.balance.micros),
            ("available", published.available.micros, totals.available.micros),
            ("held", published.held.micros, totals.held.micros),
            ("reserved", published.reserved.micros, totals.reserved.micros),
            ("donated", published.donated.micros, totals.donated.micros),
            ("granted", published.granted.micros, totals.granted.micros),
            ("spent", published.spent.micros, totals.spent.micros), ("fees", published.fees.micros, totals.fees.micros),
        ] where server != chain {
            outcome.messages.append(
                "invariant 2 (balance matches its sources) violated in \(name): the server publishes \(label) "
                    + "$\(Money(micros: server).usdString) but the chain adds up to $\(Money(micros: chain).usdString)")
        }
        return outcome
    }

    func fetch(_ url: String, context: CLIContext, what: String) async throws -> [UInt8] {
        let answer: HTTPAnswer
        do {
            answer = try await context.http.send(
                HTTPExchange(
                    method: "GET", url: url, headers: [("Accept", "application/json, text/csv")],
                    timeout: .seconds(600),
                    maximumBodyBytes: 1 << 30))
        } catch {
            throw CLIError("Could not reach \(url): \(OpubServerClient.reason(error)).")
        }
        switch answer.status {
        case 200: return answer.body
        case 404: throw CLIError("The server has no project \(project) (\(what) answered 404).")
        case 429: throw CLIError("The server limits ledger downloads; try again in 30 seconds (\(what) answered 429).")
        default: throw CLIError("\(what.prefix(1).uppercased() + what.dropFirst()) answered HTTP \(answer.status).")
        }
    }
}
