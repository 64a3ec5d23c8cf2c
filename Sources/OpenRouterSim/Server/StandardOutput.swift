import Foundation

/// Unbuffered writes to standard output, so a parent process sees the listening line at once.
public enum StandardOutput {
    public static func writeLine(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
