/// The OpenAPI 3.1 description of every route, served at `/api/openapi.yaml`. A test checks that
/// every registered route appears here; schemathesis checks the server against it.
enum OpenAPIDocument {
    static let yaml = """
        openapi: 3.1.0
        info:
          title: opub
          version: 0.1.0
        paths: {}
        """
}
