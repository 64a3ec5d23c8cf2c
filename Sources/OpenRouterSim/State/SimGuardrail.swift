import OpenRouter
import OpubCore
import OpubSurfaces

/// A guardrail: provider and model allowlists, and a per-key budget, for the keys assigned to it.
struct SimGuardrail: Sendable, Codable {
    var id: String
    var name: String
    var description: String?
    var allowedProviders: [String]
    var allowedModels: [String]
    /// A budget each assigned key may spend in `resetInterval`'s window (lifetime when nil); the lower
    /// of this and the key's own limit wins.
    var limit: NanoUSD?
    var resetInterval: KeyLimitReset?
    /// Whether BYOK usage counts against the budget; absent in older state files (false).
    var includeBYOKInBudgets: Bool?
    /// The workspace the guardrail belongs to; nil means the default workspace.
    var workspaceID: String?
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

    /// What is left of the budget for one key, from its actual usage; nil when there is no budget.
    func remaining(for key: SimKey, at now: Timestamp) -> NanoUSD? {
        limit.map {
            $0 - key.actualUsage.counted(in: resetInterval, at: now, includeBYOK: includeBYOKInBudgets ?? false)
        }
    }

    /// The guardrail object. Allowlists that were never set are null, never empty arrays.
    func json(defaultWorkspaceID: String) -> JSONValue {
        .object([
            ("id", .string(id)),
            ("name", .string(name)),
            ("description", .optionalString(description)),
            ("allowed_providers", allowedProviders.isEmpty ? .null : .array(allowedProviders.map(JSONValue.string))),
            ("allowed_models", allowedModels.isEmpty ? .null : .array(allowedModels.map(JSONValue.string))),
            ("limit_usd", limit?.json ?? .null),
            ("reset_interval", .optionalString(resetInterval?.rawValue)),
            ("include_byok_in_budgets", .bool(includeBYOKInBudgets ?? false)),
            ("enforce_zdr", .bool(false)),
            ("workspace_id", .string(workspaceID ?? defaultWorkspaceID)),
            ("created_at", .string(ProviderTimestamp.formatWithOffset(createdAt))),
            ("updated_at", .optionalString(updatedAt.map(ProviderTimestamp.formatWithOffset))),
        ])
    }
}
