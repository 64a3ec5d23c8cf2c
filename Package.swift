// swift-tools-version: 6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "opub",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "opub", targets: ["opub"]),
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
                "OpenRouterSim",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
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
            swiftSettings: swiftSettings
        ),
        // The CLI as a library.
        .target(
            name: "OpubCLI",
            dependencies: [
                "OpubCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(name: "opub", dependencies: ["OpubCLI"], swiftSettings: swiftSettings),
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
            name: "OpubServerTests",
            dependencies: [
                "OpubServer", "OpubStore", "OpubCore", "OpubTestSupport", "OpubServerStandIns", "OpenRouter",
                "OpenRouterSim",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
