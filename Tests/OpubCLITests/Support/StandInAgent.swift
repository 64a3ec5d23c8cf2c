import Foundation

/// A stand-in for an agent: a shell script that records its argv, environment, working directory and
/// the session directory's files (with their modes) into `$OPUB_TEST_RECORD/<program>/`, then exits
/// with `$STANDIN_EXIT` (default 0).
enum StandInAgent {
    static let recorder = """
        #!/bin/sh
        out="$OPUB_TEST_RECORD/$(basename "$0")"
        mkdir -p "$out"
        : > "$out/argv"
        for argument in "$@"; do printf '%s\\0' "$argument" >> "$out/argv"; done
        env -0 > "$out/env"
        pwd > "$out/cwd"
        if [ -n "$OPUB_SESSION_DIR" ]; then
            cp -R "$OPUB_SESSION_DIR" "$out/session"
            (cd "$OPUB_SESSION_DIR" && find . -type f -exec stat -c '%a %n' {} \\;) | sort > "$out/modes"
            stat -c '%a' "$OPUB_SESSION_DIR" > "$out/directory-mode"
            (cd "$OPUB_SESSION_DIR" && find . -type l) | sort > "$out/links"
        fi
        exit "${STANDIN_EXIT:-0}"
        """

    /// What one run of the recorder saw.
    struct Recording {
        let directory: String

        var arguments: [String] { split(read("argv")) }

        var environment: [String: String] {
            var variables: [String: String] = [:]
            for entry in split(read("env")) {
                guard let equals = entry.firstIndex(of: "=") else { continue }
                variables[String(entry[..<equals])] = String(entry[entry.index(after: equals)...])
            }
            return variables
        }

        var modes: [String] { read("modes").split(separator: "\n").map(String.init) }
        var directoryMode: String { read("directory-mode").trimmingCharacters(in: .whitespacesAndNewlines) }
        var links: [String] { read("links").split(separator: "\n").map(String.init) }
        var workingDirectory: String { read("cwd").trimmingCharacters(in: .whitespacesAndNewlines) }

        func sessionFile(_ relativePath: String) -> String { read("session/" + relativePath) }

        /// Every regular file the session directory held, by relative path.
        var sessionFiles: [String: String] {
            let root = directory + "/session"
            var files: [String: String] = [:]
            let enumerator = FileManager.default.enumerator(atPath: root)
            while let path = enumerator?.nextObject() as? String {
                var isDirectory: ObjCBool = false
                let full = root + "/" + path
                let attributes = try? FileManager.default.attributesOfItem(atPath: full)
                if attributes?[.type] as? FileAttributeType == .typeSymbolicLink { continue }
                if FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue {
                    files[path] = read("session/" + path)
                }
            }
            return files
        }

        func read(_ name: String) -> String {
            (FileManager.default.contents(atPath: directory + "/" + name)).map { String(decoding: $0, as: UTF8.self) }
                ?? ""
        }

        private func split(_ text: String) -> [String] {
            var parts = text.split(separator: "\0", omittingEmptySubsequences: false).map(String.init)
            if parts.last == "" { parts.removeLast() }
            return parts
        }
    }
}
