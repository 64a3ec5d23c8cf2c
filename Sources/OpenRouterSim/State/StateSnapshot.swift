import Foundation

/// What `--state file.json` holds: everything but faults and request counts.
struct StateSnapshot: Sendable, Codable {
    var keys: [SimKey]
    var nextSequence: Int
    var guardrails: [SimGuardrail]
    var generations: [GenerationRecord]
    var generationCounter: Int
    var activity: ActivityLedger
    var accountUsage: NanoUSD
    /// Workspaces made with `POST /_sim/workspaces` (id → name); absent in older state files.
    var workspaces: [String: String]?
}

extension SimulatorState {
    /// The state and its version, when it changed since `version`.
    func snapshot(ifChangedSince savedVersion: Int) -> (version: Int, snapshot: StateSnapshot)? {
        guard version != savedVersion else { return nil }
        let snapshot = StateSnapshot(
            keys: keys.values.sorted { $0.sequence < $1.sequence }, nextSequence: nextSequence,
            guardrails: Array(guardrails.values),
            generations: generations.values.sorted { $0.createdAt < $1.createdAt },
            generationCounter: generationCounter, activity: activity, accountUsage: accountUsage,
            workspaces: workspaces)
        return (version, snapshot)
    }

    func restore(_ snapshot: StateSnapshot) {
        keys = [:]
        order = KeyOrderIndex()
        for key in snapshot.keys.sorted(by: { $0.sequence < $1.sequence }) {
            keys[key.hash] = key
            order.append(.init(sequence: key.sequence, hash: key.hash), enabled: !key.disabled)
        }
        expiringKeyCount = snapshot.keys.count { $0.expiresAt != nil }
        nextSequence = max(snapshot.nextSequence, (snapshot.keys.map(\.sequence).max() ?? 0) + 1)
        guardrails = Dictionary(snapshot.guardrails.map { ($0.id, $0) }, uniquingKeysWith: { $1 })
        generations = [:]
        generationsByKey = [:]
        for record in snapshot.generations {
            generations[record.id] = record
            generationsByKey[record.keyHash, default: []].append(record.id)
        }
        generationCounter = snapshot.generationCounter
        activity = snapshot.activity
        accountUsage = snapshot.accountUsage
        workspaces = snapshot.workspaces ?? [:]
    }
}

/// Reads and writes the state file atomically.
enum StateFile {
    static func load(from path: String) throws -> StateSnapshot? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try JSONDecoder().decode(StateSnapshot.self, from: data)
    }

    static func save(_ snapshot: StateSnapshot, to path: String) throws {
        let data = try JSONEncoder().encode(snapshot)
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
