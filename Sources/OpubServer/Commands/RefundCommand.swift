import ArgumentParser
import AsyncHTTPClient
import OpubCore
import OpubStore

/// `opub-server admin refund <donation> [--amount 5.00]`: refunds a completed donation through
/// Stripe (with real payments the ledger records it when Stripe's `charge.refunded` arrives); with
/// sandbox payments a signed `charge.refunded` event is made and applied at once, through the
/// webhook code path. Reads the same configuration as `serve`.
struct RefundCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refund", abstract: "Refund a completed donation (all that is left, or --amount).")

    @OptionGroup var database: DatabaseOptions

    @Argument(help: "The donation id (don_…).")
    var donation: String

    @Option(help: "Dollars to refund, at most what is left (default: everything left).")
    var amount: String?

    func run() async throws {
        guard let id = DonationID(donation) else {
            throw OperatorError("'\(donation)' is not a donation id; they look like don_abc123….")
        }
        let money: Money?
        do { money = try amount.map { try Money.parse($0) } } catch { throw OperatorError(oneLine(error)) }
        var configuration: ServerConfiguration
        do {
            configuration = try await ConfigurationLoader.make().load()
        } catch {
            throw OperatorError(error.description)
        }
        configuration.database = try database.resolved()
        let secretKey: String
        do { secretKey = try configuration.resolvedSecretKey() } catch { throw OperatorError(error.description) }
        let settings = configuration
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton)
        let message: String
        do {
            message = try await refund(id, money, settings, secretKey, httpClient)
        } catch {
            try? await httpClient.shutdown()
            throw error
        }
        try? await httpClient.shutdown()
        print(message)
    }

    func refund(
        _ id: DonationID, _ money: Money?, _ settings: ServerConfiguration, _ secretKey: String,
        _ httpClient: HTTPClient
    ) async throws -> String {
        try await withMigratedStore(database) { store in
            let composition = ServerComposition.make(
                configuration: settings, store: store, secretKey: secretKey, httpClient: httpClient,
                logger: commandLogger())
            let dependencies = composition.dependencies
            let refunds = DonationRefunds(
                store: store, stripe: dependencies.stripe, mode: settings.payments.mode,
                processor: composition.webhookProcessor, webhookSecret: dependencies.webhookSecret,
                clock: dependencies.clock, random: dependencies.random)
            return try await refunds.refund(id, amount: money)
        }
    }
}
