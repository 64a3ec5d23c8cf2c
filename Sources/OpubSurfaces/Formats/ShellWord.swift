/// Words of a POSIX-shell (and fish) command line, for commands opub prints to be copied.
public enum ShellWord {
    /// `text` single-quoted.
    public static func singleQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// `text` as is when it is safe unquoted, else single-quoted.
    public static func quoted(_ text: String) -> String {
        !text.isEmpty && text.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:@%+,".contains($0) }
            ? text : singleQuoted(text)
    }
}
