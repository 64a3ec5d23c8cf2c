import ArgumentParser

// Dispatch by type: with Swift 6.3, `run()` on an `any AsyncParsableCommand` resolves to the synchronous
// requirement (which prints help), so each subcommand exposes `execute()` and is called directly.
do {
    var command = try OpenRouterSimCommand.parseAsRoot()
    switch command {
    case let serve as OpenRouterSimCommand.Serve: try await serve.execute()
    case let bench as OpenRouterSimCommand.Bench: try await bench.execute()
    default: try command.run()
    }
} catch {
    OpenRouterSimCommand.exit(withError: error)
}
