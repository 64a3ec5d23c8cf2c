/// A failure explained in a sentence a person can act on; printed as `opub: <message>` with exit
/// status 1 (or `exitCode`).
public struct CLIError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var exitCode: Int32

    public init(_ message: String, exitCode: Int32 = 1) {
        self.message = message
        self.exitCode = exitCode
    }

    public var description: String { message }
}
