import Foundation
import OpubServer
import Testing

@Suite("The server secret: OPUB_SECRET_KEY, else the sandbox's generated file (serve and admin refund)")
struct ServerSecretKeyTests {
    struct FixedRandom: RandomSource {
        let byte: UInt8
        func bytes(_ count: Int) -> [UInt8] { Array(repeating: byte, count: count) }
    }

    /// A fresh folder under the temporary directory (not created).
    func folder() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("opub-secret-\(UUID().uuidString)").path
    }

    func load(dataDirectory: String, secretKey: String? = nil) async throws -> ServerConfiguration {
        var environment = ["OPUB_DATA_DIR": dataDirectory]
        environment["OPUB_SECRET_KEY"] = secretKey
        return try await ConfigurationLoader.make(environment: environment).load()
    }

    @Test("OPUB_SECRET_KEY is used as it is, and no file is written")
    func configured() async throws {
        let directory = folder()
        let configuration = try await load(dataDirectory: directory, secretKey: testSecretKey)
        #expect(try configuration.resolvedSecretKey(random: FixedRandom(byte: 1)) == testSecretKey)
        #expect(!FileManager.default.fileExists(atPath: directory))
    }

    @Test("unset: a secret is generated into the data directory (0600) and reused afterwards")
    func generated() async throws {
        let directory = folder()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let configuration = try await load(dataDirectory: directory)
        #expect(configuration.secretKey == nil)
        let first = try configuration.resolvedSecretKey(random: FixedRandom(byte: 0xab))
        #expect(first == String(repeating: "ab", count: 32))
        let path = directory + "/opub-secret-key"
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        #expect(try configuration.resolvedSecretKey(random: FixedRandom(byte: 0xcd)) == first)
    }

    @Test("a generated file shorter than 32 characters is refused, naming OPUB_SECRET_KEY")
    func shortFile() async throws {
        let directory = folder()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data("short\n".utf8).write(to: URL(fileURLWithPath: directory + "/opub-secret-key"))
        let configuration = try await load(dataDirectory: directory)
        do {
            _ = try configuration.resolvedSecretKey()
            Issue.record("a short secret file was accepted")
        } catch {
            #expect(error.setting == "OPUB_SECRET_KEY")
            #expect(error.description.contains("shorter than 32 characters"))
        }
    }

    @Test("a data directory that cannot be written is refused, naming OPUB_DATA_DIR")
    func unwritable() async throws {
        let file = folder()
        defer { try? FileManager.default.removeItem(atPath: file) }
        try Data("not a folder".utf8).write(to: URL(fileURLWithPath: file))
        let configuration = try await load(dataDirectory: file + "/data")
        do {
            _ = try configuration.resolvedSecretKey(random: FixedRandom(byte: 1))
            Issue.record("a secret was written under a regular file")
        } catch {
            #expect(error.setting == "OPUB_DATA_DIR")
            #expect(error.description.contains("OPUB_SECRET_KEY"))
        }
    }
}
