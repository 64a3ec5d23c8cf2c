/// One line of `opub doctor`: what was checked, whether it is fine, and the fix when it is not.
struct DoctorCheck: Sendable, Encodable {
    var name: String
    var ok: Bool
    var detail: String
    /// The command or step that fixes it.
    var fix: String?
    /// Optional checks (an agent that is not installed) do not make `doctor` fail.
    var optional = false

    static func pass(_ name: String, _ detail: String) -> DoctorCheck {
        DoctorCheck(name: name, ok: true, detail: detail, fix: nil)
    }

    static func fail(_ name: String, _ detail: String, fix: String, optional: Bool = false) -> DoctorCheck {
        DoctorCheck(name: name, ok: false, detail: detail, fix: fix, optional: optional)
    }
}
