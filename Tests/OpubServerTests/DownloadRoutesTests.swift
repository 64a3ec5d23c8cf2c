import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import OpubServer
import OpubSurfaces
import OpubTestSupport
import Testing

/// The server hands out the CLI it was built with: the installer knows the server, the sums match
/// the files, and every refusal names what exists.
@Suite("CLI downloads")
struct DownloadRoutesTests {
    /// A distribution folder with one platform whose programs are small executable files.
    func distributionFolder() throws -> (folder: String, files: [String: Data]) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("opub-dist-\(UUID().uuidString)")
        let platform = folder.appendingPathComponent("linux-x86_64")
        try FileManager.default.createDirectory(at: platform, withIntermediateDirectories: true)
        var files: [String: Data] = [:]
        for program in CLIDistribution.programs {
            let data =
                Data("#!/bin/sh\necho \(program) \(UUID().uuidString)\n".utf8) + Data(repeating: 7, count: 300_000)
            let path = platform.appendingPathComponent(program).path
            try data.write(to: URL(fileURLWithPath: path))
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
            files[program] = data
        }
        return (folder.path, files)
    }

    /// The app with `folder` as its CLI distribution.
    func withDistribution(_ folder: String, _ body: @Sendable (AppWorld) async throws -> Void) async throws {
        try await withTestStore(.sqlite) { store, _ in
            try await withAppWorld(try await sandboxConfiguration(["OPUB_CLI_DIST_DIR": folder]), store: store, body)
        }
    }

    @Test("install.sh carries this server's URL, version and platforms; the listing says what is distributed")
    func installerKnowsItsServer() async throws {
        let (folder, _) = try distributionFolder()
        try await withDistribution(folder) { app in
            let script = try await Browser.anonymous.get(app, "/install.sh")
            #expect(script.status == .ok)
            #expect(script.text.contains("\nOPUB_SERVER_URL=\"\(app.dependencies.urls.base)\"\n"))
            #expect(script.text.contains("\nOPUB_DIST_VERSION=\"\(OpubVersion.current)\"\n"))
            #expect(script.text.contains("\nOPUB_DIST_PLATFORMS=\"linux-x86_64\"\n"))
            #expect(script.text.hasSuffix("main \"$@\"\n"))
            let listing = try await Browser.anonymous.get(app, "/downloads/opub")
            let json = try listing.json()
            #expect(json["version"] as? String == OpubVersion.current)
            #expect(json["platforms"] as? [String] == ["linux-x86_64"])
            #expect(json["install_command"] as? String == app.dependencies.installCommand)
        }
    }

    @Test("the binaries stream as they are on disk and SHA256SUMS lists their digests")
    func binariesAndSums() async throws {
        let (folder, files) = try distributionFolder()
        try await withDistribution(folder) { app in
            let base = "/downloads/opub/\(OpubVersion.current)/linux-x86_64"
            let sums = try await Browser.anonymous.get(app, base + "/SHA256SUMS")
            #expect(sums.status == .ok)
            for program in CLIDistribution.programs {
                let binary = try await Browser.anonymous.get(app, base + "/" + program)
                #expect(binary.status == .ok)
                #expect(binary.headers[.contentType] == "application/octet-stream")
                let body = Data(buffer: binary.body)
                #expect(body == files[program])
                let digest = SHA256.hash(data: body).map { String(format: "%02x", $0) }.joined()
                #expect(sums.text.contains("\(digest)  \(program)\n"))
            }
        }
    }

    @Test("an unknown version, platform or file is a 404 that names what exists")
    func refusals() async throws {
        let (folder, _) = try distributionFolder()
        try await withDistribution(folder) { app in
            let version = try await Browser.anonymous.get(app, "/downloads/opub/9.9.9/linux-x86_64/opub")
            #expect(version.status == .notFound)
            #expect(version.errorCode == "unknown_version")
            #expect(version.text.contains("opub \(OpubVersion.current) only"))
            let platform = try await Browser.anonymous.get(
                app, "/downloads/opub/\(OpubVersion.current)/plan9-mips/opub")
            #expect(platform.status == .notFound)
            #expect(platform.errorCode == "unknown_platform")
            #expect(platform.text.contains("it has: linux-x86_64"))
            for file in ["install.sh", "..", "opub-server"] {
                let other = try await Browser.anonymous.get(
                    app, "/downloads/opub/\(OpubVersion.current)/linux-x86_64/\(file)")
                #expect(other.status == .notFound, "\(file)")
            }
        }
    }

    @Test("by default the server distributes the opub and opub-mcp beside its own executable")
    func besideTheServer() throws {
        let (folder, _) = try distributionFolder()
        let beside = CLIDistribution(directory: nil, serverExecutable: folder + "/linux-x86_64/opub-server")
        #expect(beside.platforms == (OpubVersion.operatingSystem == "linux-x86_64" ? ["linux-x86_64"] : []))
        let nowhere = CLIDistribution(directory: nil, serverExecutable: folder + "/opub-server")
        #expect(nowhere.platforms == [])
    }
}
