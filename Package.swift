// swift-tools-version: 6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

/// `-static-stdlib` for one executable, with the Foundation archives named explicitly: the modules were
/// compiled for the shared runtime, so their autolink entries do not name the static archives' dependencies.
let staticSwiftRuntime: [String] =
    ["-static-stdlib", "-Xlinker", "--start-group"]
    + [
        "Foundation", "CoreFoundation", "FoundationEssentials", "FoundationInternationalization", "_FoundationICU",
        "_FoundationCShims", "_FoundationCollections", "swiftDispatch", "dispatch", "BlocksRuntime",
        "swiftSynchronization", "swiftGlibc",
    ].flatMap { ["-Xlinker", "-l\($0)"] } + ["-Xlinker", "--end-group"]

/// The same for `opub-mcp`, whose MCP SDK brings URLSession (FoundationNetworking, over the system's
/// libcurl, which stays a shared library: every Linux distribution ships libcurl.so.4).
let staticSwiftRuntimeWithNetworking: [String] =
    ["-static-stdlib", "-Xlinker", "--start-group"]
    + [
        "FoundationNetworking", "_CFURLSessionInterface", "Foundation", "CoreFoundation", "FoundationEssentials",
        "FoundationInternationalization", "_FoundationICU", "_FoundationCShims", "_FoundationCollections",
        "swiftDispatch", "dispatch", "BlocksRuntime", "swiftSynchronization", "swiftGlibc",
    ].flatMap { ["-Xlinker", "-l\($0)"] } + ["-Xlinker", "-l:libcurl.so.4", "-Xlinker", "--end-group"]

let package = Package(
    name: "opub",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "opub", targets: ["opub"]),
        .executable(name: "opub-mcp", targets: ["opub-mcp"]),
        .executable(name: "opub-server", targets: ["opub-server"]),
        .executable(name: "openrouter-sim", targets: ["openrouter-sim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk.git", from: "0.12.1"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
    ],
    targets: [
        // Domain only, no I/O.
        .target(
            name: "OpubCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto")
            ],
            swiftSettings: swiftSettings
        ),
        // Persistence on SQLKit: SQLite and PostgreSQL behind one store.
        .target(
            name: "OpubStore",
            dependencies: [
                "OpubCore",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        // The OpenRouter client.
        .target(
            name: "OpenRouter",
            dependencies: [
                "OpubCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // The OpenRouter simulator as a library.
        .target(
            name: "OpenRouterSim",
            dependencies: [
                "OpubCore",
                "OpenRouter",
                "OpubSurfaces",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The server application library.
        .target(
            name: "OpubServer",
            dependencies: [
                "OpubCore",
                "OpubStore",
                "OpenRouter",
                "OpubSurfaces",
                "OpenRouterSim",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            // The CLI installer served at /install.sh, the OpenAPI document served at /api/openapi.yaml, and
            // the web pages' Mustache templates and static assets, all read through `Bundle.module`.
            resources: [
                .copy("Resources/install.sh"), .copy("Resources/openapi.yaml"), .copy("Web/Templates"),
                .copy("Web/Assets"),
            ],
            swiftSettings: swiftSettings
        ),
        // The per-agent launch table and the CLI <-> server wire types: pure data and functions shared by
        // the CLI (which launches agents) and the server (whose key-creation page prints the same table);
        // and JSONValue, the one JSON document type of the CLI, the server and the simulator.
        .target(
            name: "OpubSurfaces",
            dependencies: ["OpubCore"],
            swiftSettings: swiftSettings
        ),
        // The CLI as a library.
        .target(
            name: "OpubCLI",
            dependencies: [
                "OpubCore",
                "OpubSurfaces",
                "OpenRouter",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: swiftSettings
        ),
        // `opub mcp`'s server, a separate program so that `opub` itself does not load the MCP SDK (and the
        // URLSession stack it brings), which would cost every `opub run` milliseconds at start-up.
        .target(
            name: "OpubMCP",
            dependencies: [
                "OpubCLI", "OpubCore", "OpubSurfaces",
                .product(name: "MCP", package: "swift-sdk"),
            ],
            swiftSettings: swiftSettings
        ),
        // Linked with the Swift runtime and Foundation statically: `opub run` sits in front of every agent
        // start, and loading them as shared libraries costs more than the rest of opub's start-up; and the
        // server distributes it (`/downloads/opub/…`) to machines without Swift.
        .executableTarget(
            name: "opub", dependencies: ["OpubCLI"], swiftSettings: swiftSettings,
            linkerSettings: [.unsafeFlags(staticSwiftRuntime, .when(platforms: [.linux]))]
        ),
        // Static too, so that the binaries the server distributes run where Swift is not installed.
        .executableTarget(
            name: "opub-mcp", dependencies: ["OpubMCP"], swiftSettings: swiftSettings,
            linkerSettings: [.unsafeFlags(staticSwiftRuntimeWithNetworking, .when(platforms: [.linux]))]
        ),
        .executableTarget(name: "opub-server", dependencies: ["OpubServer"], swiftSettings: swiftSettings),
        .executableTarget(
            name: "openrouter-sim",
            dependencies: [
                "OpenRouterSim",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // Helpers shared by the test targets (test databases, random money scripts).
        .target(
            name: "OpubTestSupport",
            dependencies: [
                "OpubCore",
                "OpubStore",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/OpubTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OpubCoreTests",
            dependencies: [
                "OpubCore",
                "OpubTestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OpubStoreTests",
            dependencies: [
                "OpubCore",
                "OpubStore",
                "OpubTestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OpenRouterTests",
            dependencies: [
                "OpubCore",
                "OpenRouter",
                "OpenRouterSim",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        // Local stand-ins for GitHub and Stripe, written from their public API documentation, served
        // over real HTTP by the server tests.
        .target(
            name: "OpubServerStandIns",
            dependencies: [
                "OpubCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Tests/OpubServerStandIns",
            swiftSettings: swiftSettings
        ),
        // What black-box tests need that no public route offers yet (reserving a key's money before
        // compute keys have routes): `opub-test-fixture reserve --database-url URL owner/repo 15.00`.
        .executableTarget(
            name: "opub-test-fixture",
            dependencies: [
                "OpubCore", "OpubStore",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/OpubTestFixture",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OpubCLITests",
            dependencies: [
                "OpubCLI", "OpubSurfaces", "OpubCore", "OpenRouter", "OpenRouterSim",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OpubServerTests",
            dependencies: [
                "OpubServer", "OpubStore", "OpubCore", "OpubTestSupport", "OpubServerStandIns", "OpenRouter",
                "OpenRouterSim", "OpubSurfaces",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
