extension SimulatorState {
    /// The name of the key with `hash`, for the broadcast trace; nil once the key is deleted.
    func keyName(hash: String) -> String? { keys[hash]?.name }
}
