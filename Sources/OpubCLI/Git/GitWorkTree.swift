import Foundation

/// Git work trees found by looking at the file system (no `git` process: `opub run` stays fast).
public enum GitWorkTree {
    /// The root of the work tree containing `path` (the nearest ancestor with a `.git` directory or
    /// file), or nil. A path that does not exist yet is judged by its nearest existing ancestor.
    public static func root(containing path: String) -> String? {
        var current = URL(fileURLWithPath: path).standardizedFileURL.path
        while true {
            if FileManager.default.fileExists(atPath: current + "/.git") { return current }
            if current == "/" || current.isEmpty { return nil }
            current = (current as NSString).deletingLastPathComponent
        }
    }
}
