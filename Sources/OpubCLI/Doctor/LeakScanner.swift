import OpenRouter

/// Looks for OpenRouter secrets committed to a repository: in tracked files (`git grep`) and in the
/// last 200 commits of every branch (`git log -p -G`). Findings name the place and the masked key only.
struct LeakScanner {
    static let pattern = "sk-or-v1-[0-9a-f]{64}"
    static let historyDepth = 200

    struct Finding: Sendable, Hashable {
        var place: String
        var label: String
    }

    let git: GitCommands

    func scan(root: String) async throws -> [Finding] {
        var findings: [Finding] = []
        if let tracked = try await git.run(["grep", "-I", "-n", "-o", "-E", Self.pattern], in: root),
            tracked.status == 0
        {
            for line in tracked.standardOutput.split(separator: "\n") {
                let parts = line.split(separator: ":", maxSplits: 2)
                guard parts.count == 3 else { continue }
                findings.append(
                    Finding(place: "\(parts[0]):\(parts[1])", label: KeyFingerprint.label(ofSecret: String(parts[2]))))
            }
        }
        if let history = try await git.run(
            [
                "log", "--all", "-p", "--no-color", "--max-count=\(Self.historyDepth)", "-G", Self.pattern,
                "--format=commit %h",
            ], in: root), history.status == 0
        {
            var commit = ""
            var seen = Set<Finding>(findings)
            for line in history.standardOutput.split(separator: "\n", omittingEmptySubsequences: true) {
                if line.hasPrefix("commit ") {
                    commit = String(line.dropFirst(7))
                    continue
                }
                guard line.hasPrefix("+") || line.hasPrefix("-"), !line.hasPrefix("+++"), !line.hasPrefix("---")
                else { continue }
                for secret in Self.secrets(in: String(line)) {
                    let finding = Finding(
                        place: "commit \(commit)", label: KeyFingerprint.label(ofSecret: secret))
                    if seen.insert(finding).inserted { findings.append(finding) }
                }
            }
        }
        return findings
    }

    /// Every `sk-or-v1-` + 64 hex digits in `text`.
    static func secrets(in text: String) -> [String] {
        var found: [String] = []
        var rest = Substring(text)
        while let range = rest.range(of: KeyFingerprint.secretPrefix) {
            let candidate = rest[range.lowerBound...].prefix(KeyFingerprint.secretPrefix.count + 64)
            if KeyFingerprint.isWellFormedSecret(String(candidate)) { found.append(String(candidate)) }
            rest = rest[range.upperBound...]
        }
        return found
    }
}
