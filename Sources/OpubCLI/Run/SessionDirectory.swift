import Foundation
import OpubSurfaces

/// The per-session directory (`$XDG_RUNTIME_DIR/opub/{ls}`, mode 0700): the launch plan's generated
/// files (mode 0600), Vibe's home, and `session.json`. Deleted when the session ends.
struct SessionDirectory {
    let path: String

    func create() throws {
        let parent = (path as NSString).deletingLastPathComponent
        try PrivateFiles.makeDirectory(parent)
        try PrivateFiles.makeDirectory(path)
    }

    /// Writes the plan's files; Vibe's config is merged with the user's own first.
    func write(_ plan: LaunchPlan, environment: [String: String]) throws -> VibeHome? {
        var vibeHome: VibeHome?
        for file in plan.files {
            let target = path + "/" + file.relativePath
            switch file.treatment {
            case .asIs:
                try PrivateFiles.write(file.contents, to: target, durable: false)
            case .mergedIntoUserVibeConfig:
                let home = VibeHome(
                    environment: environment, sessionHome: (target as NSString).deletingLastPathComponent)
                try home.prepare(opubFragment: file.contents)
                vibeHome = home
            }
        }
        return vibeHome
    }

    func remove() { PrivateFiles.remove(path) }
}
