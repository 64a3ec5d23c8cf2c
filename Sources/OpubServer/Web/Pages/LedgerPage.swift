import Hummingbird
import OpubCore
import OpubStore

/// `GET /github/{owner}/{repo}/ledger?cursor=`: the project's ledger, newest first, 50 a page, with the
/// JSON and CSV exports (which carry every field the hash covers) and how to re-verify the hashes.
struct LedgerPage {
    let dependencies: AppDependencies
    static let pageSize = 50

    struct Model {
        let fullName: String
        let path: String
        let entries: [Entry]
        let hasEntries: Bool
        let nextPage: String?
        let isFirstPage: Bool
        let transactionCount: Int64
        let chainHead: String?
        let jsonURL: String
        let csvURL: String
        let balance: String
    }

    struct Entry {
        let sequence: Int64
        let when: TimeView
        let kind: String
        let memo: String
        /// The change to the project's balance (`+$25.00`), or nil for a move inside it (reserve, release).
        let change: String?
        let postings: [PostingView]
        let hash: String
        let shortHash: String
        let linked: Bool
    }

    struct PostingView {
        let account: String
        let amount: String
    }

    func respond(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let project: ProjectRecord
        switch try await WebProject.require(request, context, store: dependencies.store) {
        case .project(let record): project = record
        case .response(let response): return response
        }
        let cursor = try QueryParameters.cursor(request.uri.queryParameters.get("cursor")) { text throws(StoreError) in
            try LedgerCursor(decoding: text)
        }
        let page = try await dependencies.store.ledger.page(of: project.id, cursor: cursor, limit: Self.pageSize)
        let balances = try await dependencies.store.projects.balances(project.id)
        let name = project.name
        let api = "/api/v1/projects/\(name.owner)/\(name.repo)/ledger"
        let path = WebProject.path(name)
        let model = Model(
            fullName: name.description, path: path, entries: page.items.map(Self.entry),
            hasEntries: !page.items.isEmpty, nextPage: page.nextCursor.map { "\(path)/ledger?cursor=\($0)" },
            isFirstPage: cursor == nil, transactionCount: project.chainLength, chainHead: project.chainHead,
            jsonURL: api, csvURL: api + "?format=csv", balance: balances.balance.formatted())
        return try PageResponder(configuration: dependencies.configuration).render(
            "pages/ledger", title: "Ledger of \(name)", content: model, request: request,
            identity: context.identity, section: .projects)
    }

    static func entry(_ transaction: LedgerTransaction) -> Entry {
        let external = transaction.postings.filter {
            switch $0.account {
            case .donations, .grants, .provider, .fees: return true
            case .available, .held, .reserved: return false
            }
        }
        let change = -external.map(\.amount).sum()
        let precise = transaction.kind == .spend
        func signed(_ money: Money) -> String {
            let text = precise ? money.formattedPrecise() : money.formatted()
            return money.isPositive ? "+" + text : text
        }
        return Entry(
            sequence: transaction.sequence, when: TimeView(transaction.createdAt), kind: transaction.kind.rawValue,
            memo: transaction.memo, change: change.isZero ? nil : signed(change),
            postings: transaction.postings.map {
                PostingView(account: $0.account.description, amount: signed($0.amount))
            },
            hash: transaction.hash, shortHash: String(transaction.hash.prefix(12)),
            linked: transaction.kind == .spend && transaction.sessionID != nil)
    }
}
