import Hummingbird
import Logging
public import NIOCore

/// A request context that exposes the connection, so the `drop_after_commit` fault can close it
/// without writing an answer. Contexts of apps that embed the simulator may adopt it too; without it
/// the fault falls back to closing the connection after an incomplete answer.
public protocol ConnectionExposingContext: RequestContext {
    var connection: (any Channel)? { get }
}

/// The context the standalone simulator uses.
public struct SimulatorRequestContext: ConnectionExposingContext {
    public var coreContext: CoreRequestContextStorage
    public let connection: (any Channel)?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        connection = source.channel
    }
}
