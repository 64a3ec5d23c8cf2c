/// The glossary of `/glossary` and `/glossary/{term}`: the product's words as the README defines them,
/// written for donors and maintainers. Plain text (escaped like everything else); related terms are
/// links by slug.
struct GlossaryEntry: Sendable {
    let slug: String
    let term: String
    let definition: String
    let related: [String]
}

enum Glossary {
    static let entries: [GlossaryEntry] = [
        GlossaryEntry(
            slug: "project", term: "Project",
            definition:
                "One public GitHub repository (owner/repo), with its page at /github/owner/repo. A project is "
                + "unclaimed until a verified maintainer claims it; it can take donations while unclaimed (they "
                + "are held for it), but nobody can spend them until it is claimed.",
            related: ["maintainer", "project-balance", "donation"]),
        GlossaryEntry(
            slug: "donor", term: "Donor",
            definition:
                "A signed-in user who donates dollars to a project. Donors choose the project, never the work.",
            related: ["donation", "public-donor-attribution"]),
        GlossaryEntry(
            slug: "public-donor-attribution", term: "Public donor attribution",
            definition:
                "What the public sees of a donor: a display name or \"Anonymous\", and an optional short message. "
                + "It is separate from private payer data (billing e-mail, payment ids), which never appears "
                + "publicly.",
            related: ["donor", "donation"]),
        GlossaryEntry(
            slug: "donation", term: "Donation",
            definition:
                "An append-only funding event that adds dollars to one project's balance, once the payment "
                + "provider says it is paid. A refund or dispute is recorded as a separate refund.",
            related: ["project-balance", "ledger"]),
        GlossaryEntry(
            slug: "maintainer", term: "Maintainer",
            definition:
                "A user whose GitHub access to the repository was verified (admin or maintain permission). Only "
                + "maintainers create, list and revoke the project's compute keys.",
            related: ["compute-key", "project"]),
        GlossaryEntry(
            slug: "project-balance", term: "Project balance",
            definition:
                "Dollars donated (and granted) minus dollars spent (and refunded). Part of it is reserved by active "
                + "compute keys; the rest is available for new keys.",
            related: ["reserved", "available", "ledger"]),
        GlossaryEntry(
            slug: "reserved", term: "Reserved",
            definition:
                "The part of a project's balance held by its active compute keys: each key holds its dollar limit "
                + "minus what it has spent. Revoking or disabling a key releases what it still holds.",
            related: ["compute-key", "available"]),
        GlossaryEntry(
            slug: "available", term: "Available",
            definition:
                "The part of a project's balance no key holds: what new keys can reserve. It goes below zero only "
                + "as debt, after a refund or a provider overshoot; a project in debt cannot create keys.",
            related: ["reserved", "project-balance"]),
        GlossaryEntry(
            slug: "compute-key", term: "Compute key",
            definition:
                "An OpenRouter API key (id ck_…) whose dollar limit is reserved from the project balance. States: "
                + "provisioning, then active, then disabled (revoked, balance exhausted, expired, …). Several may "
                + "be active at once. opub caps keys to what the project can still afford and disables them when "
                + "the money is gone.",
            related: ["one-time-provider-key", "reserved", "linked-session"]),
        GlossaryEntry(
            slug: "one-time-provider-key", term: "One-time provider key",
            definition:
                "The secret (sk-or-v1-…) of a compute key. It is shown exactly once, on the key creation page, is "
                + "never stored by opub, and is kept only in the maintainer's local configuration.",
            related: ["compute-key"]),
        GlossaryEntry(
            slug: "spend-event", term: "Spend event",
            definition:
                "An append-only ledger entry for usage the provider reported for a compute key; it debits the "
                + "project balance.",
            related: ["usage-record", "ledger", "linked-spend"]),
        GlossaryEntry(
            slug: "usage-record", term: "Usage record",
            definition:
                "Per-request detail (model, tokens, cost, session) when the provider reports it. It explains spend; "
                + "it does not move money.",
            related: ["spend-event"]),
        GlossaryEntry(
            slug: "linked-session", term: "Linked session",
            definition:
                "An agent session started with opub run: the opub CLI tells the server when it starts, while it "
                + "runs, and when it ends. Donors see linked sessions' counts and durations per surface, never "
                + "what the agent did.",
            related: ["linked-spend", "surface", "direct-key-use"]),
        GlossaryEntry(
            slug: "linked-spend", term: "Linked spend",
            definition:
                "Spend opub can tie to a compute key and a linked session of that key (the session ran while the "
                + "spend happened).",
            related: ["linked-spend-coverage", "linked-session"]),
        GlossaryEntry(
            slug: "linked-spend-coverage", term: "Linked spend coverage",
            definition:
                "Linked spend divided by all spend, for a period (the project page shows the last 30 days). High "
                + "coverage means most of the money went through sessions the public can see.",
            related: ["linked-spend", "direct-key-use"]),
        GlossaryEntry(
            slug: "direct-key-use", term: "Direct key use",
            definition:
                "Using a compute key outside opub run, in any OpenRouter-compatible tool. The spend still accrues "
                + "to the project and appears in its ledger; it is simply not linked.",
            related: ["linked-spend", "compute-key"]),
        GlossaryEntry(
            slug: "surface", term: "Surface",
            definition:
                "A supported coding agent: claude (Claude Code), codex (OpenAI Codex CLI), copilot (GitHub Copilot "
                + "CLI), vibe (Mistral Vibe), opencode (OpenCode) and continue (Continue's cn).",
            related: ["linked-session"]),
        GlossaryEntry(
            slug: "allowed-model-providers", term: "Allowed model providers",
            definition:
                "The provider allowlist opub applies to every compute key (an OpenRouter guardrail), so donated "
                + "money goes only to model providers the operator approves.",
            related: ["compute-key"]),
        GlossaryEntry(
            slug: "ledger", term: "Ledger",
            definition:
                "The public, append-only, double-entry record of every dollar of a project: donations, grants, "
                + "refunds, reservations, spend and releases. Each project's transactions form a SHA-256 hash "
                + "chain, so anyone holding an export can check that nothing was edited, removed or reordered.",
            related: ["spend-event", "donation", "project-balance"]),
        GlossaryEntry(
            slug: "sandbox-mode", term: "Sandbox mode",
            definition:
                "How opub runs with no accounts anywhere: sign-in, payments and the provider are simulated "
                + "in-process, and a banner on every page says so. No real money moves.",
            related: []),
    ]

    static func entry(_ slug: String) -> GlossaryEntry? { entries.first { $0.slug == slug } }
}
