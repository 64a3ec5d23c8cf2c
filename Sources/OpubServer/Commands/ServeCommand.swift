import ArgumentParser
import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import OpubCore
import OpubStore
import ServiceLifecycle

/// `opub-server serve`: reads the configuration (sandbox mode when no real credentials are set),
/// migrates the database, and runs the HTTP server and background services until SIGTERM or
/// SIGINT, shutting down gracefully. Prints the URL it listens on as one line on stdout (logs go
/// to stderr), so `--port 0` can be used by scripts.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the HTTP service (sandbox mode unless real credentials are configured).")

    @Option(help: "Listen on host:port (default: $OPUB_BIND, else 127.0.0.1:8080).")
    var bind: String?

    @Option(help: "Listen on this port (0: any free port; the URL is printed).")
    var port: Int?

    @Option(help: "A JSON file of settings, read after the environment (default: $OPUB_CONFIG_FILE).")
    var configFile: String?

    @Option(name: .customLong("database-url"), help: "sqlite://PATH or postgres://… (default: $DATABASE_URL).")
    var databaseURL: String?

    func run() async throws {
        let configuration: ServerConfiguration
        do {
            let loader = try await ConfigurationLoader.make(configFile: configFile)
            configuration = try loader.load(overrides: .init(bind: bind, port: port, databaseURL: databaseURL))
        } catch {
            throw OperatorError(error.description)
        }
        let logger = ServerLogging.logger(level: configuration.logLevel)
        let secretKey: String
        do { secretKey = try configuration.resolvedSecretKey() } catch { throw OperatorError(error.description) }
        ServerLogging.announce(configuration, logger: logger)

        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            try await Store.withStore(url: configuration.database, logger: logger) { store in
                let applied = try await store.migrate(logger: logger)
                if !applied.isEmpty { logger.info("migrated", metadata: ["versions": "\(applied)"]) }
                let composition = ServerComposition.make(
                    configuration: configuration, store: store.holding(donations: configuration.donationHold),
                    secretKey: secretKey, httpClient: httpClient,
                    logger: logger)
                let urls = composition.dependencies.urls
                let app = composition.application { channel in
                    let url = ServerLogging.listeningURL(channel: channel, bind: configuration.bind)
                    urls.setListening(url)
                    // Unbuffered, so that a script reading stdout gets the line at once.
                    FileHandle.standardOutput.write(Data((url + "\n").utf8))
                    logger.notice("listening", metadata: ["url": "\(url)", "public_url": "\(urls.base)"])
                    ServerLogging.announceDistribution(composition.dependencies, logger: logger)
                }
                let group = ServiceGroup(
                    configuration: .init(
                        services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
                try await group.run()
                logger.notice("stopped")
            }
        } catch {
            try? await httpClient.shutdown()
            throw OperatorError(oneLine(error))
        }
        try await httpClient.shutdown()
    }
}

/// The server's logs: swift-log on stderr, metadata as key=value, level from `LOG_LEVEL`.
enum ServerLogging {
    static func logger(level: Logger.Level) -> Logger {
        var logger = Logger(label: "opub-server") { label in StreamLogHandler.standardError(label: label) }
        logger.logLevel = level
        return logger
    }

    /// Says loudly which parts are simulated. Secrets are never logged, only whether they are set.
    static func announce(_ configuration: ServerConfiguration, logger: Logger) {
        let parts = configuration.sandboxParts.map(\.rawValue).joined(separator: ", ")
        if configuration.isFullSandbox {
            logger.warning(
                """
                SANDBOX MODE: sign-in, payments and the provider are simulated; no real money moves. \
                Set the production settings (see README) to run for real.
                """)
        } else if !parts.isEmpty {
            logger.warning("MIXED MODE: these parts are sandboxed by explicit flag: \(parts)")
            if let unsafe = configuration.unsafeMix {
                logger.critical("UNSAFE MIX, allowed by OPUB_ALLOW_UNSAFE_MIX=true: \(unsafe)")
            }
        } else {
            logger.notice("production mode")
        }
        logger.info(
            "configuration",
            metadata: [
                "database": "\(configuration.database)", "bind": "\(configuration.bind)",
                "base_url": "\(configuration.baseURL ?? "(listening address)")",
                "github": "\(configuration.github.mode.rawValue)",
                "payments": "\(configuration.payments.mode.rawValue)",
                "provider": "\(configuration.provider.mode.rawValue)",
                "donation_minimum": "\(configuration.donationLimits.minimum.centsString)",
                "donation_maximum": "\(configuration.donationLimits.maximum.centsString)",
                "fee_basis_points": "\(configuration.feeBasisPoints)",
            ])
    }

    /// Which CLI the install line hands out, or how to give it one.
    static func announceDistribution(_ dependencies: AppDependencies, logger: Logger) {
        let distribution = dependencies.cliDistribution
        let platforms = distribution.platforms
        if platforms.isEmpty {
            logger.warning(
                """
                no prebuilt CLI to distribute: /install.sh can only build from source. Build opub and opub-mcp \
                beside opub-server (swift build), or set OPUB_CLI_DIST_DIR to a folder made by scripts/dist.
                """)
        } else {
            logger.info(
                "distributing the CLI",
                metadata: [
                    "version": "\(distribution.version)", "platforms": "\(platforms.joined(separator: ","))",
                    "install": "\(dependencies.installCommand)",
                ])
        }
    }

    static func listeningURL(channel: any Channel, bind: BindAddress) -> String {
        let port = channel.localAddress?.port ?? bind.port
        let host = channel.localAddress?.ipAddress ?? bind.host
        return host.contains(":") ? "http://[\(host)]:\(port)" : "http://\(host):\(port)"
    }
}
