/// The OpenAPI 3.1 description of every route, served at `/api/openapi.yaml`. A test checks that
/// every registered route appears here; schemathesis checks the live server against it
/// (`Tests/e2e/schemathesis`). A feature that adds routes adds them here too.
enum OpenAPIDocument {
    static let yaml = #"""
        openapi: 3.1.0
        info:
          title: opub
          version: 0.1.0
          summary: Donations in, compute keys out, a public ledger in between.
          description: |
            The JSON API of opub-server, and the few browser and operational routes it serves.
            Errors always have the shape {"error":{"code","message","details"}}.
            State-changing requests made with a session cookie must carry the session's CSRF token
            (X-CSRF-Token header, or a csrf_token form field); GET /api/v1/me returns it.
            Amounts are strings of dollars on input ("25.00") and {"usd","micros"} objects on output.
            Routes under /auth/sandbox and /sandbox exist only in sandbox mode; /auth/github/callback
            only with real GitHub sign-in. The server-rendered HTML pages (/, /projects, /github/{owner}/{repo}/…,
            /me, /docs, /glossary, the sandbox checkout) and /assets are not part of this API; the sandbox
            sign-in form is listed because its path is also an API resource.
        servers:
          - url: /
        tags:
          - name: projects
          - name: donations
          - name: identity
          - name: payments
          - name: operations
          - name: keys
          - name: cli
          - name: provider
        components:
          securitySchemes:
            session:
              type: apiKey
              in: cookie
              name: opub_session
            csrf:
              type: apiKey
              in: header
              name: X-CSRF-Token
            linkToken:
              type: http
              scheme: bearer
              description: The key's link token (cli.md), never the provider secret.
            broadcastToken:
              type: http
              scheme: bearer
              description: >-
                OPUB_BROADCAST_TOKEN, set as a custom header of the OpenRouter Broadcast webhook destination
                (also accepted as X-Opub-Broadcast-Token).
          parameters:
            key:
              name: key
              in: path
              required: true
              description: A compute key id.
              schema:
                type: string
                example: ck_0123456789abcdef
            session:
              name: session
              in: path
              required: true
              description: An agent session id, chosen by the CLI.
              schema:
                type: string
                example: ls_0123456789abcdef
            owner:
              name: owner
              in: path
              required: true
              description: The GitHub owner (user or organisation).
              schema:
                type: string
                pattern: "^[A-Za-z0-9]([A-Za-z0-9]|-[A-Za-z0-9]){0,19}$"
            repo:
              name: repo
              in: path
              required: true
              description: The GitHub repository name.
              schema:
                type: string
                pattern: "^([A-Za-z0-9_-][A-Za-z0-9._-]{0,99}|[.][A-Za-z0-9_-][A-Za-z0-9._-]{0,98})$"
            cursor:
              name: cursor
              in: query
              required: false
              description: The next_cursor of the previous page.
              schema:
                type: string
            limit:
              name: limit
              in: query
              required: false
              description: Items per page, 1 to 100 (default 50).
              schema:
                type: integer
                minimum: 1
                maximum: 100
          headers:
            Location:
              description: Where to go next.
              required: true
              schema:
                type: string
            RetryAfter:
              description: Seconds until the caller may try again.
              required: true
              schema:
                type: string
          schemas:
            Error:
              type: object
              additionalProperties: false
              required: [error]
              properties:
                error:
                  type: object
                  additionalProperties: false
                  required: [code, message, details]
                  properties:
                    code:
                      type: string
                      pattern: "^[a-z][a-z0-9_]*$"
                    message:
                      type: string
                    details:
                      type: object
            Amount:
              type: object
              additionalProperties: false
              required: [usd, micros]
              properties:
                usd:
                  type: string
                  pattern: "^-?[0-9]+\\.[0-9]{6}$"
                micros:
                  type: integer
            User:
              type: object
              additionalProperties: false
              required: [id, github_id, login, name, avatar_url]
              properties:
                id:
                  type: string
                github_id:
                  type: integer
                login:
                  type: string
                name:
                  type: [string, "null"]
                avatar_url:
                  type: [string, "null"]
            Session:
              type: object
              additionalProperties: false
              required: [user, csrf_token, sandbox]
              properties:
                user:
                  $ref: "#/components/schemas/User"
                csrf_token:
                  type: string
                sandbox:
                  type: boolean
            Project:
              type: object
              additionalProperties: false
              required: [id, owner, repo, full_name, github_repo_id, claimed, claimed_at, suspended, created_at, balance,
                reserved, held, available, donated, granted, spent, fees, linked_coverage_30d, active_keys,
                active_sessions, chain_length, chain_head, page_url]
              properties:
                id:
                  type: string
                owner:
                  type: string
                repo:
                  type: string
                full_name:
                  type: string
                github_repo_id:
                  type: [integer, "null"]
                claimed:
                  type: boolean
                claimed_at:
                  type: [string, "null"]
                suspended:
                  type: boolean
                created_at:
                  type: string
                balance:
                  $ref: "#/components/schemas/Amount"
                reserved:
                  $ref: "#/components/schemas/Amount"
                held:
                  description: Donations still inside the donation hold; in the balance, not yet available for keys.
                  $ref: "#/components/schemas/Amount"
                available:
                  $ref: "#/components/schemas/Amount"
                donated:
                  $ref: "#/components/schemas/Amount"
                granted:
                  $ref: "#/components/schemas/Amount"
                spent:
                  $ref: "#/components/schemas/Amount"
                fees:
                  $ref: "#/components/schemas/Amount"
                linked_coverage_30d:
                  type: [number, "null"]
                active_keys:
                  type: integer
                active_sessions:
                  type: integer
                chain_length:
                  type: integer
                  description: Transactions in the project's ledger; a downloaded copy verifies up to here.
                chain_head:
                  type: [string, "null"]
                  description: The hash of the last transaction (null before the first).
                page_url:
                  type: string
            ProjectPage:
              type: object
              additionalProperties: false
              required: [items, next_cursor]
              properties:
                items:
                  type: array
                  items:
                    $ref: "#/components/schemas/Project"
                next_cursor:
                  type: [string, "null"]
            MaintainedProject:
              type: object
              additionalProperties: false
              required: [project, permission, verified_at]
              properties:
                project:
                  $ref: "#/components/schemas/Project"
                permission:
                  type: string
                  enum: [admin, maintain]
                verified_at:
                  type: string
            MaintainedProjectPage:
              type: object
              additionalProperties: false
              required: [items, next_cursor]
              properties:
                items:
                  type: array
                  items:
                    $ref: "#/components/schemas/MaintainedProject"
                next_cursor:
                  type: [string, "null"]
            ClaimRequest:
              type: object
              additionalProperties: false
              required: [owner, repo]
              properties:
                owner:
                  type: string
                  example: apple
                repo:
                  type: string
                  example: swift
            DonationRequest:
              type: object
              additionalProperties: false
              required: [amount]
              properties:
                amount:
                  type: string
                  description: Dollars with at most 2 decimals.
                  example: "25.00"
                attribution:
                  type: object
                  additionalProperties: false
                  properties:
                    display_name:
                      type: string
                      maxLength: 64
                    anonymous:
                      type: boolean
                    message:
                      type: string
                      maxLength: 280
            Checkout:
              type: object
              additionalProperties: false
              required: [donation_id, checkout_url]
              properties:
                donation_id:
                  type: string
                checkout_url:
                  type: string
            PublicDonation:
              type: object
              additionalProperties: false
              required: [id, amount, refunded, anonymous, display_name, message, completed_at]
              properties:
                id:
                  type: string
                amount:
                  $ref: "#/components/schemas/Amount"
                refunded:
                  $ref: "#/components/schemas/Amount"
                anonymous:
                  type: boolean
                display_name:
                  type: [string, "null"]
                message:
                  type: [string, "null"]
                completed_at:
                  type: [string, "null"]
            PublicDonationPage:
              type: object
              additionalProperties: false
              required: [items, next_cursor]
              properties:
                items:
                  type: array
                  items:
                    $ref: "#/components/schemas/PublicDonation"
                next_cursor:
                  type: [string, "null"]
            MyDonation:
              type: object
              additionalProperties: false
              required: [id, project, status, amount, credited, refunded, anonymous, display_name, message, created_at,
                completed_at]
              properties:
                id:
                  type: string
                project:
                  type: string
                status:
                  type: string
                  enum: [pending, completed, failed]
                amount:
                  $ref: "#/components/schemas/Amount"
                credited:
                  $ref: "#/components/schemas/Amount"
                refunded:
                  $ref: "#/components/schemas/Amount"
                anonymous:
                  type: boolean
                display_name:
                  type: [string, "null"]
                message:
                  type: [string, "null"]
                created_at:
                  type: string
                completed_at:
                  type: [string, "null"]
            MyDonationPage:
              type: object
              additionalProperties: false
              required: [items, next_cursor]
              properties:
                items:
                  type: array
                  items:
                    $ref: "#/components/schemas/MyDonation"
                next_cursor:
                  type: [string, "null"]
            Health:
              type: object
              additionalProperties: false
              required: [status, checks]
              properties:
                status:
                  type: string
                  enum: [ok, ready, not_ready]
                checks:
                  type: object
                  additionalProperties:
                    type: string
            WebhookReceipt:
              type: object
              additionalProperties: false
              required: [received, duplicate]
              properties:
                received:
                  type: boolean
                duplicate:
                  type: boolean
            SandboxCheckoutResult:
              type: object
              additionalProperties: false
              required: [donation_id, status]
              properties:
                donation_id:
                  type: string
                status:
                  type: string
                  enum: [pending, completed, failed]
            SignIn:
              type: object
              additionalProperties: false
              required: [login]
              properties:
                login:
                  type: string
                  example: octocat
                return_to:
                  type: string
                csrf_token:
                  type: string
        \#(keySchemas)  responses:
            Error:
              description: The request was not accepted; the error says why.
              content:
                application/json:
                  schema:
                    $ref: "#/components/schemas/Error"
            RateLimited:
              description: Too many requests.
              headers:
                Retry-After:
                  $ref: "#/components/headers/RetryAfter"
              content:
                application/json:
                  schema:
                    $ref: "#/components/schemas/Error"
            Redirect:
              description: See the Location header.
              headers:
                Location:
                  $ref: "#/components/headers/Location"
        paths:
          /healthz:
            get:
              tags: [operations]
              summary: The process is up.
              operationId: health
              responses:
                "200":
                  description: Up.
                  content:
                    application/json:
                      schema:
                        $ref: "#/components/schemas/Health"
                default:
                  $ref: "#/components/responses/Error"
          /readyz:
            get:
              tags: [operations]
              summary: The database answers and its schema is current.
              operationId: readiness
              responses:
                "200":
                  description: Ready.
                  content:
                    application/json:
                      schema:
                        $ref: "#/components/schemas/Health"
                "503":
                  description: Not ready; checks say why.
                  content:
                    application/json:
                      schema:
                        $ref: "#/components/schemas/Health"
                default:
                  $ref: "#/components/responses/Error"
          /metrics:
            get:
              tags: [operations]
              summary: Prometheus metrics.
              operationId: metrics
              responses:
                "200":
                  description: The Prometheus text format.
                  content:
                    text/plain:
                      schema:
                        type: string
                default:
                  $ref: "#/components/responses/Error"
          /api/openapi.yaml:
            get:
              tags: [operations]
              summary: This document.
              operationId: openapi
              responses:
                "200":
                  description: OpenAPI 3.1.
                  content:
                    application/yaml:
                      schema:
                        type: string
                default:
                  $ref: "#/components/responses/Error"
          /auth/github:
            get:
              tags: [identity]
              summary: Start signing in with GitHub (redirects to GitHub, or to the sandbox form in sandbox mode).
              operationId: githubSignIn
              parameters:
                - name: return_to
                  in: query
                  required: false
                  description: A path on this site to return to.
                  schema:
                    type: string
              responses:
                "303":
                  $ref: "#/components/responses/Redirect"
                "429":
                  $ref: "#/components/responses/RateLimited"
                default:
                  $ref: "#/components/responses/Error"
          /auth/github/callback:
            get:
              tags: [identity]
              summary: GitHub returns here with the authorization code (real GitHub sign-in only).
              operationId: githubCallback
              parameters:
                - name: code
                  in: query
                  required: false
                  schema:
                    type: string
                - name: state
                  in: query
                  required: false
                  schema:
                    type: string
                - name: error
                  in: query
                  required: false
                  schema:
                    type: string
              responses:
                "303":
                  $ref: "#/components/responses/Redirect"
                "400":
                  $ref: "#/components/responses/Error"
                "403":
                  $ref: "#/components/responses/Error"
                "404":
                  $ref: "#/components/responses/Error"
                "502":
                  $ref: "#/components/responses/Error"
                default:
                  $ref: "#/components/responses/Error"
          /auth/sandbox:
            get:
              tags: [identity]
              summary: The sandbox sign-in form, an HTML page (sandbox mode only).
              operationId: sandboxSignInForm
              parameters:
                - name: return_to
                  in: query
                  required: false
                  schema:
                    type: string
              responses:
                "200":
                  description: An HTML form.
                  content:
                    text/html:
                      schema:
                        type: string
                default:
                  $ref: "#/components/responses/Error"
            post:
              tags: [identity]
              summary: >-
                Sign in as any GitHub login (sandbox mode only). A form post carries the csrf_token of the
                form page, bound to its opub_signin_csrf cookie.
              operationId: sandboxSignIn
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      $ref: "#/components/schemas/SignIn"
                  application/x-www-form-urlencoded:
                    schema:
                      $ref: "#/components/schemas/SignIn"
              responses:
                "200":
                  description: Signed in (JSON request); the opub_session cookie is set.
                  content:
                    application/json:
                      schema:
                        $ref: "#/components/schemas/Session"
                "303":
                  $ref: "#/components/responses/Redirect"
                "400":
                  $ref: "#/components/responses/Error"
                "403":
                  description: >-
                    A form post without the form's csrf_token matching its opub_signin_csrf cookie
                    (csrf_token_invalid).
                  content:
                    application/json:
                      schema:
                        $ref: "#/components/schemas/Error"
                "415":
                  $ref: "#/components/responses/Error"
                "429":
                  $ref: "#/components/responses/RateLimited"
                default:
                  $ref: "#/components/responses/Error"
          /auth/sign-out:
            post:
              tags: [identity]
              summary: End the session.
              operationId: signOut
              security:
                - session: []
                  csrf: []
              responses:
                "204":
                  description: Signed out (the cookie is cleared).
                "303":
                  $ref: "#/components/responses/Redirect"
                "401":
                  $ref: "#/components/responses/Error"
                "403":
                  $ref: "#/components/responses/Error"
                default:
                  $ref: "#/components/responses/Error"
          /api/v1/me:
            get:
              tags: [identity]
              summary: Who is signed in, and the CSRF token for state-changing requests.
              operationId: me
              security:
                - session: []
              responses:
                "200":
                  description: The session.
                  content:
                    application/json:
                      schema:
                        $ref: "#/components/schemas/Session"
                "401":
                  $ref: "#/components/responses/Error"
                default:
                  $ref: "#/components/responses/Error"
          /api/v1/me/projects:
            get:
              tags: [projects]
              summary: Projects the signed-in user maintains.
              operationId: myProjects
              security:
                - session: []
              responses:
                "200":
                  description: The projects.
                  content:
                    application/json:
                      schema:
                        $ref: "#/components/schemas/MaintainedProjectPage"
                "401":
                  $ref: "#/components/responses/Error"
                default:
                  $ref: "#/components/responses/Error"
          /api/v1/me/donations:
            get:
              tags: [donations]
              summary: Donations the signed-in user made or started, newest first.
              operationId: myDonations
              security:
                - session: []
              parameters:
                - $ref: "#/components/parameters/cursor"
                - $ref: "#/components/parameters/limit"
              responses:
                "200":
                  description: A page of donations.
                  content:
                    application/json:
                      schema:
                        $ref: "#/components/schemas/MyDonationPage"
                "400":
                  $ref: "#/components/responses/Error"
                "401":
                  $ref: "#/components/responses/Error"
                default:
                  $ref: "#/components/responses/Error"
          /api/v1/projects:
            get:
              tags: [projects]
              summary: The project directory.
              operationId: listProjects
              parameters:
                - name: q
                  in: query
                  required: false
                  description: Part of owner/repo.
                  schema:
                    type: string
                    maxLength: 100
                - name: sort
                  in: query
                  required: false
                  schema:
                    type: string
                    enum: [recent, balance, donated, spent]
                - $ref: "#/components/parameters/cursor"
                - $ref: "#/components/parameters/limit"
              responses:
                "200":
                  description: A page of projects.
                  content:
                    application/json:
                      schema:
                        $ref: "#/components/schemas/ProjectPage"
                "400":
                  $ref: "#/components/responses/Error"
                default:
                  $ref: "#/components/responses/Error"
            post:
              tags: [projects]
              summary: Register or claim a repository (GitHub must report admin or maintain permission).
              operationId: claimProject
              security:
                - session: []
                  csrf: []
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      $ref: "#/components/schemas/ClaimRequest"
              responses:
                "200":
                  description: An existing project page was claimed or re-verified.
                  content:
                    application/json:
                      schema:
                        $ref: "#/components/schemas/MaintainedProject"
                "201":
                  description: The project page was created and claimed.
                  content:
                    application/json:
                      schema:
                        $ref: "#/components/schemas/MaintainedProject"
                "400":
                  $ref: "#/components/responses/Error"
                "401":
                  $ref: "#/components/responses/Error"
                "403":
                  $ref: "#/components/responses/Error"
                "404":
                  $ref: "#/components/responses/Error"
                "409":
                  $ref: "#/components/responses/Error"
                "415":
                  $ref: "#/components/responses/Error"
                "422":
                  $ref: "#/components/responses/Error"
                "429":
                  $ref: "#/components/responses/RateLimited"
                "502":
                  $ref: "#/components/responses/Error"
                default:
                  $ref: "#/components/responses/Error"
          /api/v1/projects/{owner}/{repo}:
            parameters:
              - $ref: "#/components/parameters/owner"
              - $ref: "#/components/parameters/repo"
            get:
              tags: [projects]
              summary: A project's public totals.
              operationId: getProject
              responses:
                "200":
                  description: The project.
                  content:
                    application/json:
                      schema:
                        $ref: "#/components/schemas/Project"
                "301":
                  $ref: "#/components/responses/Redirect"
                "400":
                  $ref: "#/components/responses/Error"
                "404":
                  $ref: "#/components/responses/Error"
                default:
                  $ref: "#/components/responses/Error"
          /api/v1/projects/{owner}/{repo}/donations:
            parameters:
              - $ref: "#/components/parameters/owner"
              - $ref: "#/components/parameters/repo"
            get:
              tags: [donations]
              summary: A project's completed donations with public attribution, newest first.
              operationId: listDonations
              parameters:
                - $ref: "#/components/parameters/cursor"
                - $ref: "#/components/parameters/limit"
              responses:
                "200":
                  description: A page of donations.
                  content:
                    application/json:
                      schema:
                        $ref: "#/components/schemas/PublicDonationPage"
                "301":
                  $ref: "#/components/responses/Redirect"
                "400":
                  $ref: "#/components/responses/Error"
                "404":
                  $ref: "#/components/responses/Error"
                default:
                  $ref: "#/components/responses/Error"
            post:
              tags: [donations]
              summary: Start a donation; pay at checkout_url.
              operationId: createDonation
              security:
                - session: []
                  csrf: []
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      $ref: "#/components/schemas/DonationRequest"
              responses:
                "201":
                  description: A pending donation and its checkout.
                  content:
                    application/json:
                      schema:
                        $ref: "#/components/schemas/Checkout"
                "400":
                  $ref: "#/components/responses/Error"
                "401":
                  $ref: "#/components/responses/Error"
                "403":
                  $ref: "#/components/responses/Error"
                "404":
                  $ref: "#/components/responses/Error"
                "409":
                  $ref: "#/components/responses/Error"
                "415":
                  $ref: "#/components/responses/Error"
                "422":
                  $ref: "#/components/responses/Error"
                "429":
                  $ref: "#/components/responses/RateLimited"
                "502":
                  $ref: "#/components/responses/Error"
                default:
                  $ref: "#/components/responses/Error"
          /webhooks/stripe:
            post:
              tags: [payments]
              summary: Stripe's event delivery, verified by the Stripe-Signature header.
              operationId: stripeWebhook
              parameters:
                - name: Stripe-Signature
                  in: header
                  required: true
                  schema:
                    type: string
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      type: object
              responses:
                "200":
                  description: Received (or received before).
                  content:
                    application/json:
                      schema:
                        $ref: "#/components/schemas/WebhookReceipt"
                "400":
                  $ref: "#/components/responses/Error"
                "409":
                  $ref: "#/components/responses/Error"
                default:
                  $ref: "#/components/responses/Error"
          /sandbox/checkout/{session}/complete:
            parameters:
              - name: session
                in: path
                required: true
                schema:
                  type: string
            post:
              tags: [payments]
              summary: Pay a sandbox checkout; completes the donation through the webhook code path.
              operationId: sandboxCheckoutComplete
              security:
                - session: []
                  csrf: []
              responses:
                "200":
                  description: The donation's status.
                  content:
                    application/json:
                      schema:
                        $ref: "#/components/schemas/SandboxCheckoutResult"
                "303":
                  $ref: "#/components/responses/Redirect"
                "401":
                  $ref: "#/components/responses/Error"
                "403":
                  $ref: "#/components/responses/Error"
                "404":
                  $ref: "#/components/responses/Error"
                default:
                  $ref: "#/components/responses/Error"
          /sandbox/checkout/{session}/cancel:
            parameters:
              - name: session
                in: path
                required: true
                schema:
                  type: string
            post:
              tags: [payments]
              summary: Abandon a sandbox checkout; the donation fails, no money moves.
              operationId: sandboxCheckoutCancel
              security:
                - session: []
                  csrf: []
              responses:
                "200":
                  description: The donation's status.
                  content:
                    application/json:
                      schema:
                        $ref: "#/components/schemas/SandboxCheckoutResult"
                "303":
                  $ref: "#/components/responses/Redirect"
                "401":
                  $ref: "#/components/responses/Error"
                "403":
                  $ref: "#/components/responses/Error"
                "404":
                  $ref: "#/components/responses/Error"
                default:
                  $ref: "#/components/responses/Error"
        \#(keyPaths)
        """#
}
