import Foundation

/// The OpenAPI 3.1 description of every API route, `Resources/openapi.yaml`, served at
/// `/api/openapi.yaml`. Tests check that every registered route is in it and that every JSON answer
/// matches its schema there (`OpenAPICoverageTests`, `OpenAPISchemaTests`); schemathesis checks the
/// live server against it (`Tests/e2e/schemathesis`). A feature that adds routes or answer fields
/// describes them there too.
enum OpenAPIDocument {
    /// The document as served; nil only in a build of opub-server that lacks the resource.
    static let yaml: String? = Bundle.module.url(forResource: "openapi", withExtension: "yaml").flatMap {
        try? String(contentsOf: $0, encoding: .utf8)
    }
}
