import OpenRouter
import OpubCore

/// A guardrail: provider and model allowlists for the keys assigned to it.
struct SimGuardrail: Sendable, Codable {
    var id: String
    var name: String
    var description: String?
    var allowedProviders: [String]
    var allowedModels: [String]
    /// Stored and reported; the simulator enforces key limits, not guardrail budgets.
    var limit: NanoUSD?
    var resetInterval: KeyLimitReset?
    var createdAt: Timestamp
    var updatedAt: Timestamp?

    /// Why `model` may not be used under this guardrail, or nil when it may.
    func refusal(for model: ModelPricing) -> String? {
        if !allowedProviders.isEmpty {
            let names = Set([model.providerSlug, model.providerName].map { $0.lowercased() })
            if !allowedProviders.contains(where: { names.contains($0.lowercased()) }) {
                return "Provider \(model.providerName) (\(model.providerSlug)) is not allowed by the guardrail "
                    + "'\(name)' on this key. Allowed providers: \(allowedProviders.joined(separator: ", "))."
            }
        }
        if !allowedModels.isEmpty, !allowedModels.contains(model.id), !allowedModels.contains(model.canonicalSlug) {
            return "Model \(model.id) is not allowed by the guardrail '\(name)' on this key."
        }
        return nil
    }

    func json(assignedKeys: Int) -> JSONValue {
        .object([
            ("id", .string(id)),
            ("name", .string(name)),
            ("description", .optionalString(description)),
            ("allowed_providers", .array(allowedProviders.map(JSONValue.string))),
            ("allowed_models", .array(allowedModels.map(JSONValue.string))),
            ("limit_usd", limit?.json ?? .null),
            ("reset_interval", .optionalString(resetInterval?.rawValue)),
            ("enforce_zdr", .bool(false)),
            ("key_assignment_count", .int(assignedKeys)),
            ("created_at", .string(ProviderTimestamp.formatWithOffset(createdAt))),
            ("updated_at", .optionalString(updatedAt.map(ProviderTimestamp.formatWithOffset))),
        ])
    }
}
