import Foundation

/// Where `setup` reads a pasted key from: standard input, or a hidden prompt on the terminal.
public protocol SecretInput: Sendable {
    /// Everything on standard input.
    func readStandardInput() throws -> String
    /// A prompt whose answer is not echoed; nil when there is no terminal to ask on.
    func readHidden(prompt: String) -> String?
}

/// The real standard input and terminal.
public struct TerminalSecretInput: SecretInput {
    public init() {}

    public func readStandardInput() throws -> String {
        String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
    }

    public func readHidden(prompt: String) -> String? {
        guard isatty(0) == 1 else { return nil }
        guard let answer = getpass(prompt) else { return nil }
        return String(cString: answer)
    }
}

/// Fixed input, for tests.
public struct FixedSecretInput: SecretInput {
    public var standardInput: String
    public var hiddenAnswer: String?

    public init(standardInput: String = "", hiddenAnswer: String? = nil) {
        self.standardInput = standardInput
        self.hiddenAnswer = hiddenAnswer
    }

    public func readStandardInput() throws -> String { standardInput }
    public func readHidden(prompt: String) -> String? { hiddenAnswer }
}
