/// Forgets keys on this machine: their secrets, config entries and bindings.
struct LocalKeys {
    let support: CommandSupport

    func forget(_ keyIDs: [String]) async throws {
        var configuration = try support.configStore.load()
        for keyID in keyIDs {
            let kind = configuration.keys[keyID].map(support.storeKind(of:)) ?? .file
            try await support.secretStore.delete(keyID: keyID, from: kind)
            configuration.keys.removeValue(forKey: keyID)
            configuration.bindings.removeAll { $0.key == keyID }
        }
        try support.configStore.save(configuration)
    }
}
