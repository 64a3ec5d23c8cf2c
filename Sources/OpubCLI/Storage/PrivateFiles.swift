import Foundation

/// Files only the user may read: directories 0700, files 0600, written atomically (a temporary file
/// in the same directory, fsync, then `rename`), so that a crash leaves the old file or the new one.
public enum PrivateFiles {
    /// Creates `path` and any missing parents with mode 0700, and tightens `path` itself to 0700.
    public static func makeDirectory(_ path: String) throws {
        try FileManager.default.createDirectory(
            atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        guard chmod(path, 0o700) == 0 else { throw FileError(path: path, action: "set the mode of", code: errno) }
    }

    /// Writes `contents` to `path` (mode 0600) atomically, creating the directory (0700) first. `durable`
    /// files are fsynced before the rename; per-session files, deleted within the hour, are not.
    public static func write(_ contents: String, to path: String, durable: Bool = true) throws {
        try write(Array(contents.utf8), to: path, durable: durable)
    }

    public static func write(_ bytes: [UInt8], to path: String, durable: Bool = true) throws {
        let directory = (path as NSString).deletingLastPathComponent
        try makeDirectory(directory)
        let temporary =
            directory + "/.\((path as NSString).lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw FileError(path: temporary, action: "create", code: errno) }
        var failure: Int32 = 0
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                offset += written
            }
        }
        if failure == 0, fchmod(descriptor, 0o600) != 0 { failure = errno }
        if durable, failure == 0, fsync(descriptor) != 0 { failure = errno }
        close(descriptor)
        guard failure == 0 else {
            unlink(temporary)
            throw FileError(path: path, action: "write", code: failure)
        }
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw FileError(path: path, action: "replace", code: code)
        }
    }

    /// The file's contents, or nil when it does not exist.
    public static func read(_ path: String) throws -> String? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FileError(path: path, action: "read", code: errno)
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// The permission bits of `path`, or nil when it does not exist.
    public static func mode(of path: String) -> UInt16? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return UInt16(info.st_mode & 0o7777)
    }

    /// Removes a file or a whole directory tree; a missing path is not an error.
    public static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// A file operation that failed, naming the file and the reason.
public struct FileError: Error, CustomStringConvertible {
    public var path: String
    public var action: String
    public var code: Int32

    public var description: String { "could not \(action) \(path): \(String(cString: strerror(code)))" }
}
