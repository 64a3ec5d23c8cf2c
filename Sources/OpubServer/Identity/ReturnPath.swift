/// Where to send a browser after sign-in: only a path on this site (`/…`, not `//host`), else `/`.
enum ReturnPath {
    static func sanitize(_ candidate: String?) -> String {
        guard let candidate, candidate.hasPrefix("/"), !candidate.hasPrefix("//"), candidate.count <= 512,
            !candidate.contains("\\"), candidate.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F })
        else { return "/" }
        return candidate
    }
}
