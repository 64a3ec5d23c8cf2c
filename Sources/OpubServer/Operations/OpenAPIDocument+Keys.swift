/// The OpenAPI fragments of compute keys, the CLI routes and the public ledger, spend and sessions,
/// spliced into ``OpenAPIDocument/yaml``.
extension OpenAPIDocument {
    static let keySchemas = #"""
            Key:
              type: object
              additionalProperties: false
              required: [id, name, state, disabled_reason, provider_sync, limit, spent, remaining, reserved, label,
                expires_at, created_at, created_by, disabled_at, last_session, replaces, replaced_by, allowance, renews_on]
              properties:
                id:
                  type: string
                name:
                  type: string
                state:
                  type: string
                  enum: [provisioning, active, disabled]
                disabled_reason:
                  type: [string, "null"]
                provider_sync:
                  type: [string, "null"]
                limit:
                  $ref: "#/components/schemas/Amount"
                spent:
                  $ref: "#/components/schemas/Amount"
                remaining:
                  $ref: "#/components/schemas/Amount"
                reserved:
                  $ref: "#/components/schemas/Amount"
                label:
                  type: [string, "null"]
                  description: The provider's masked label of the secret.
                expires_at:
                  type: [string, "null"]
                created_at:
                  type: string
                created_by:
                  type: [string, "null"]
                disabled_at:
                  type: [string, "null"]
                last_session:
                  oneOf:
                    - type: "null"
                    - $ref: "#/components/schemas/SessionSummary"
                replaces:
                  type: [string, "null"]
                  description: The key this one replaced (it was made by a rotation).
                replaced_by:
                  type: [string, "null"]
                  description: The key that replaced this one (it was rotated).
                allowance:
                  description: A monthly allowance key's allowance per UTC month; null for a one-off limit.
                  oneOf:
                    - type: "null"
                    - $ref: "#/components/schemas/Amount"
                renews_on:
                  type: [string, "null"]
                  description: When a monthly allowance renews (the first day of the next UTC month).
            SessionSummary:
              type: object
              additionalProperties: false
              required: [id, surface, started_at, ended_at]
              properties:
                id:
                  type: string
                surface:
                  type: string
                started_at:
                  type: string
                ended_at:
                  type: [string, "null"]
            KeyPage:
              type: object
              additionalProperties: false
              required: [items, next_cursor]
              properties:
                items:
                  type: array
                  items:
                    $ref: "#/components/schemas/Key"
                next_cursor:
                  type: [string, "null"]
            KeyRequest:
              type: object
              additionalProperties: false
              required: [name]
              description: Exactly one of limit (one-off) and allowance (per UTC month).
              properties:
                name:
                  type: string
                  example: laptop
                limit:
                  type: string
                  example: "25.00"
                allowance:
                  type: string
                  example: "25.00"
                  description: >-
                    An allowance per UTC month instead of a one-off limit: this month's is reserved now, and each
                    month's first reconcile cycle renews it (unspent allowance does not carry over).
                expires_at:
                  type: [string, "null"]
                  example: "2027-01-31T00:00:00Z"
            CreatedKey:
              type: object
              additionalProperties: false
              required: [key, secret, setup_commands, environment, headers, arguments, configured_by_files,
                install_command]
              properties:
                key:
                  $ref: "#/components/schemas/Key"
                secret:
                  type: string
                  description: The provider secret. This response is the only one that ever carries it.
                setup_commands:
                  type: object
                  additionalProperties:
                    type: string
                environment:
                  type: object
                  additionalProperties:
                    type: object
                    additionalProperties:
                      type: string
                headers:
                  type: object
                  additionalProperties:
                    type: string
                arguments:
                  type: object
                  description: >-
                    Surface → the program's own arguments a custom setup needs besides the environment
                    (Codex's provider block as -c overrides).
                  additionalProperties:
                    type: array
                    items:
                      type: string
                configured_by_files:
                  type: array
                  description: Surfaces configured through files, which `opub env <surface>` writes.
                  items:
                    type: string
                install_command:
                  type: string
            Revoked:
              type: object
              additionalProperties: false
              required: [key, state, message]
              properties:
                key:
                  type: string
                state:
                  type: string
                  enum: [disabled]
                message:
                  type: string
            LedgerTransaction:
              type: object
              additionalProperties: false
              required: [id, project, sequence, kind, idempotency_key, key, donation, session, memo, created_at, time,
                postings, previous_hash, hash]
              properties:
                id:
                  type: string
                project:
                  type: string
                sequence:
                  type: integer
                kind:
                  type: string
                  enum: [donation, grant, refund, reserve, spend, release]
                idempotency_key:
                  type: string
                key:
                  type: [string, "null"]
                donation:
                  type: [string, "null"]
                session:
                  type: [string, "null"]
                  description: The linked session, when this spend is linked.
                memo:
                  type: string
                created_at:
                  type: integer
                  description: Microseconds since the Unix epoch, as the hash covers it.
                time:
                  type: string
                postings:
                  type: array
                  items:
                    type: object
                    additionalProperties: false
                    required: [account, micros, usd]
                    properties:
                      account:
                        type: string
                      micros:
                        type: integer
                      usd:
                        type: string
                previous_hash:
                  type: string
                hash:
                  type: string
            LedgerPage:
              type: object
              additionalProperties: false
              required: [items, next_cursor]
              properties:
                items:
                  type: array
                  items:
                    $ref: "#/components/schemas/LedgerTransaction"
                next_cursor:
                  type: [string, "null"]
            KeyRef:
              type: object
              additionalProperties: false
              required: [id, name]
              properties:
                id:
                  type: string
                name:
                  type: string
            UsageRecord:
              type: object
              additionalProperties: false
              required: [date, key, model, provider, requests, prompt_tokens, completion_tokens, reasoning_tokens, cost,
                linked, session]
              properties:
                date:
                  type: string
                key:
                  $ref: "#/components/schemas/KeyRef"
                model:
                  type: string
                provider:
                  type: string
                requests:
                  type: integer
                prompt_tokens:
                  type: integer
                completion_tokens:
                  type: integer
                reasoning_tokens:
                  type: integer
                cost:
                  $ref: "#/components/schemas/Amount"
                linked:
                  type: boolean
                session:
                  type: [string, "null"]
            Alert:
              type: object
              additionalProperties: false
              required: [id, kind, key, message, amount, created_at]
              properties:
                id:
                  type: string
                kind:
                  type: string
                  enum: [direct_use, new_model, spike, expiring, lost_access, auto_revoked]
                key:
                  $ref: "#/components/schemas/KeyRef"
                message:
                  type: string
                amount:
                  oneOf:
                    - type: "null"
                    - $ref: "#/components/schemas/Amount"
                created_at:
                  type: string
            Alerts:
              type: object
              additionalProperties: false
              required: [items, webhook, deliveries]
              properties:
                items:
                  type: array
                  items:
                    $ref: "#/components/schemas/Alert"
                webhook:
                  oneOf:
                    - type: "null"
                    - type: object
                      additionalProperties: false
                      required: [url, signing_secret]
                      properties:
                        url:
                          type: string
                        signing_secret:
                          type: string
                          description: Deliveries carry Opub-Signature t=…,v1=… (HMAC-SHA256 of "t.body"), as Stripe signs.
                deliveries:
                  type: array
                  items:
                    type: object
                    additionalProperties: false
                    required: [id, alert, status, attempts, last_status_code, last_error, updated_at]
                    properties:
                      id:
                        type: string
                      alert:
                        type: string
                      status:
                        type: string
                        enum: [pending, delivered, failed]
                      attempts:
                        type: integer
                      last_status_code:
                        type: [integer, "null"]
                      last_error:
                        type: [string, "null"]
                      updated_at:
                        type: string
            TraceRequest:
              type: object
              additionalProperties: false
              required: [at, key, model, provider, prompt_tokens, completion_tokens, reasoning_tokens, cost, linked,
                session, generation_id, source, settled]
              properties:
                at:
                  type: string
                  format: date-time
                key:
                  $ref: "#/components/schemas/KeyRef"
                model:
                  type: string
                provider:
                  type: string
                prompt_tokens:
                  type: integer
                completion_tokens:
                  type: integer
                reasoning_tokens:
                  type: integer
                cost:
                  $ref: "#/components/schemas/Amount"
                linked:
                  type: boolean
                session:
                  type: [string, "null"]
                  description: The agent session of the same key the request named; null otherwise.
                generation_id:
                  type: [string, "null"]
                source:
                  type: string
                  enum: [provider_traces]
                settled:
                  type: boolean
                  description: >-
                    True once the reconciler posted the key's provider-reported spend at or after the request's
                    time; until then the row comes from provider traces only.
            TraceRequestPage:
              type: object
              additionalProperties: false
              required: [items, next_cursor]
              properties:
                items:
                  type: array
                  items:
                    $ref: "#/components/schemas/TraceRequest"
                next_cursor:
                  type: [string, "null"]
            TraceExport:
              type: object
              description: An OTLP/HTTP JSON ExportTraceServiceRequest (OpenRouter Broadcast).
              properties:
                resourceSpans:
                  type: array
                  items:
                    type: object
            TraceExportResult:
              type: object
              description: An OTLP ExportTraceServiceResponse; partialSuccess names traces that could not be read.
              additionalProperties: false
              properties:
                partialSuccess:
                  type: object
                  additionalProperties: false
                  required: [rejectedSpans, errorMessage]
                  properties:
                    rejectedSpans:
                      type: string
                    errorMessage:
                      type: string
            UsagePage:
              type: object
              additionalProperties: false
              required: [items, next_cursor, detail_pending_keys, detail_note]
              properties:
                items:
                  type: array
                  items:
                    $ref: "#/components/schemas/UsageRecord"
                next_cursor:
                  type: [string, "null"]
                detail_pending_keys:
                  type: integer
                  minimum: 0
                  description: >-
                    Keys that spent on a day whose detail by model has not arrived yet (the provider reports
                    completed UTC days only).
                detail_note:
                  type: [string, "null"]
                  description: Says the detail arrives the next day while detail_pending_keys is not zero.
            PublicSession:
              type: object
              additionalProperties: false
              required: [id, key, surface, surface_version, started_at, last_heartbeat_at, ended_at, end_reason,
                duration_seconds, running]
              properties:
                id:
                  type: string
                key:
                  $ref: "#/components/schemas/KeyRef"
                surface:
                  type: string
                surface_version:
                  type: [string, "null"]
                started_at:
                  type: string
                last_heartbeat_at:
                  type: string
                ended_at:
                  type: [string, "null"]
                end_reason:
                  type: [string, "null"]
                duration_seconds:
                  type: integer
                running:
                  type: boolean
            SessionPage:
              type: object
              additionalProperties: false
              required: [items, next_cursor]
              properties:
                items:
                  type: array
                  items:
                    $ref: "#/components/schemas/PublicSession"
                next_cursor:
                  type: [string, "null"]
            CLIKeyStatus:
              type: object
              additionalProperties: false
              required: [key, project, recommended_models, heartbeat_interval_seconds, provider_url]
              properties:
                key:
                  type: object
                  additionalProperties: false
                  required: [id, name, state, limit, spent, remaining]
                  properties:
                    id:
                      type: string
                    name:
                      type: string
                    state:
                      type: string
                      enum: [provisioning, active, disabled]
                    disabled_reason:
                      type: string
                    limit:
                      $ref: "#/components/schemas/Amount"
                    spent:
                      $ref: "#/components/schemas/Amount"
                    remaining:
                      $ref: "#/components/schemas/Amount"
                    replaced_by:
                      type: string
                      description: For a rotated key, the key that replaced it.
                    allowance:
                      $ref: "#/components/schemas/Amount"
                    renews_on:
                      type: string
                    alerts:
                      type: array
                      items:
                        type: string
                      description: The key's alerts of the last 7 days, newest first.
                    direct_use_since_last_session:
                      $ref: "#/components/schemas/Amount"
                project:
                  type: object
                  additionalProperties: false
                  required: [full_name, available, url]
                  properties:
                    full_name:
                      type: string
                    available:
                      $ref: "#/components/schemas/Amount"
                    url:
                      type: string
                recommended_models:
                  type: object
                  additionalProperties:
                    type: string
                heartbeat_interval_seconds:
                  type: integer
                provider_url:
                  type: string
            CLISessionStart:
              type: object
              additionalProperties: false
              required: [key_id, surface, cli_version, os]
              properties:
                key_id:
                  type: string
                  example: ck_0123456789abcdef
                surface:
                  type: string
                  example: claude
                surface_version:
                  type: [string, "null"]
                cli_version:
                  type: string
                  example: 0.1.0
                os:
                  type: string
                  example: linux
            CLISessionEnd:
              type: object
              additionalProperties: false
              required: [reason]
              properties:
                exit_code:
                  type: [integer, "null"]
                reason:
                  type: string
                  example: exited

        """#

    static let keyPaths = #"""
          /api/v1/projects/{owner}/{repo}/keys:
            parameters:
              - $ref: "#/components/parameters/owner"
              - $ref: "#/components/parameters/repo"
            get:
              tags: [keys]
              summary: The project's compute keys (its verified maintainers only).
              operationId: listKeys
              security:
                - session: []
              responses:
                "200":
                  description: Every key of the project, newest first.
                  content:
                    application/json:
                      schema:
                        $ref: "#/components/schemas/KeyPage"
                default:
                  $ref: "#/components/responses/Error"
            post:
              tags: [keys]
              summary: Create a compute key; the answer is the only one that ever carries its secret.
              operationId: createKey
              security:
                - session: []
                  csrf: []
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      $ref: "#/components/schemas/KeyRequest"
              responses:
                "201":
                  description: The key, its secret (once) and how to use it per surface.
                  content:
                    application/json:
                      schema:
                        $ref: "#/components/schemas/CreatedKey"
                "429":
                  $ref: "#/components/responses/RateLimited"
                default:
                  $ref: "#/components/responses/Error"
          /api/v1/projects/{owner}/{repo}/alerts:
            parameters:
              - $ref: "#/components/parameters/owner"
              - $ref: "#/components/parameters/repo"
            get:
              tags: [keys]
              summary: The latest alerts on unusual key use, the alert webhook and its delivery log.
              operationId: listAlerts
              security:
                - session: []
              responses:
                "200":
                  description: Alerts, webhook, deliveries.
                  content:
                    application/json:
                      schema:
                        $ref: "#/components/schemas/Alerts"
                default:
                  $ref: "#/components/responses/Error"
          /api/v1/projects/{owner}/{repo}/alert-webhook:
            parameters:
              - $ref: "#/components/parameters/owner"
              - $ref: "#/components/parameters/repo"
            put:
              tags: [keys]
              summary: Set the URL alerts are delivered to (signed, retried with backoff).
              operationId: setAlertWebhook
              security:
                - session: []
                  csrf: []
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      type: object
                      additionalProperties: false
                      required: [url]
                      properties:
                        url:
                          type: string
                          example: https://example.org/opub-alerts
              responses:
                "200":
                  description: The alerts overview with the webhook and its signing secret.
                  content:
                    application/json:
                      schema:
                        $ref: "#/components/schemas/Alerts"
                default:
                  $ref: "#/components/responses/Error"
            delete:
              tags: [keys]
              summary: Stop delivering alerts to a webhook.
              operationId: deleteAlertWebhook
              security:
                - session: []
                  csrf: []
              responses:
                "204":
                  description: Removed.
                default:
                  $ref: "#/components/responses/Error"
          /api/v1/projects/{owner}/{repo}/alert-webhook/secret:
            parameters:
              - $ref: "#/components/parameters/owner"
              - $ref: "#/components/parameters/repo"
            post:
              tags: [keys]
              summary: A new signing secret for the alert webhook (the old one stops verifying at once).
              operationId: rollAlertWebhookSecret
              security:
                - session: []
                  csrf: []
              responses:
                "200":
                  description: The alerts overview with the new signing secret.
                  content:
                    application/json:
                      schema:
                        $ref: "#/components/schemas/Alerts"
                default:
                  $ref: "#/components/responses/Error"
          /api/v1/projects/{owner}/{repo}/keys/{key}/direct-use-revoke:
            parameters:
              - $ref: "#/components/parameters/owner"
              - $ref: "#/components/parameters/repo"
              - $ref: "#/components/parameters/key"
            put:
              tags: [keys]
              summary: Revoke the key automatically once its direct-use spend passes a threshold (null clears it).
              operationId: setDirectUseRevoke
              security:
                - session: []
                  csrf: []
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      type: object
                      additionalProperties: false
                      properties:
                        threshold:
                          type: [string, "null"]
                          example: "5.00"
              responses:
                "200":
                  description: The threshold now set.
                  content:
                    application/json:
                      schema:
                        type: object
                        additionalProperties: false
                        required: [key, threshold]
                        properties:
                          key:
                            type: string
                          threshold:
                            oneOf:
                              - type: "null"
                              - $ref: "#/components/schemas/Amount"
                default:
                  $ref: "#/components/responses/Error"
          /api/v1/projects/{owner}/{repo}/keys/{key}/rotate:
            parameters:
              - $ref: "#/components/parameters/owner"
              - $ref: "#/components/parameters/repo"
              - $ref: "#/components/parameters/key"
            post:
              tags: [keys]
              summary: >-
                Rotate a key: a new key with the same name and expiry takes over its reservation, the old one is
                disabled as rotated; the new secret is in this answer only.
              operationId: rotateKey
              security:
                - session: []
                  csrf: []
              responses:
                "201":
                  description: Rotated; the new key and its secret, shown once.
                  content:
                    application/json:
                      schema:
                        $ref: "#/components/schemas/CreatedKey"
                "409":
                  $ref: "#/components/responses/Error"
                "429":
                  $ref: "#/components/responses/RateLimited"
                default:
                  $ref: "#/components/responses/Error"
          /api/v1/projects/{owner}/{repo}/keys/{key}/revoke:
            parameters:
              - $ref: "#/components/parameters/owner"
              - $ref: "#/components/parameters/repo"
              - $ref: "#/components/parameters/key"
            post:
              tags: [keys]
              summary: Revoke a key (200), or revoke it in opub while the provider is unreachable (202).
              operationId: revokeKey
              security:
                - session: []
                  csrf: []
              responses:
                "200":
                  description: Revoked at the provider; the unspent reservation is available again.
                  content:
                    application/json:
                      schema:
                        $ref: "#/components/schemas/Revoked"
                "202":
                  description: Revoked in opub; the reconciler finishes at the provider.
                  content:
                    application/json:
                      schema:
                        $ref: "#/components/schemas/Revoked"
                default:
                  $ref: "#/components/responses/Error"
          /api/v1/projects/{owner}/{repo}/ledger:
            parameters:
              - $ref: "#/components/parameters/owner"
              - $ref: "#/components/parameters/repo"
            get:
              tags: [projects]
              summary: The project's ledger with hashes, newest first; format=csv gives the whole chain oldest first.
              operationId: getLedger
              parameters:
                - $ref: "#/components/parameters/cursor"
                - $ref: "#/components/parameters/limit"
                - name: format
                  in: query
                  required: false
                  schema:
                    type: string
                    enum: [json, csv]
              responses:
                "200":
                  description: A page of transactions (JSON) or the whole chain (CSV).
                  content:
                    application/json:
                      schema:
                        $ref: "#/components/schemas/LedgerPage"
                    text/csv:
                      schema:
                        type: string
                "301":
                  $ref: "#/components/responses/Redirect"
                default:
                  $ref: "#/components/responses/Error"
          /api/v1/projects/{owner}/{repo}/spend:
            parameters:
              - $ref: "#/components/parameters/owner"
              - $ref: "#/components/parameters/repo"
            get:
              tags: [projects]
              summary: Spend detail per key, model and day, newest day first, with Linked flags.
              operationId: listSpend
              parameters:
                - $ref: "#/components/parameters/cursor"
                - $ref: "#/components/parameters/limit"
              responses:
                "200":
                  description: A page of usage records.
                  content:
                    application/json:
                      schema:
                        $ref: "#/components/schemas/UsagePage"
                "301":
                  $ref: "#/components/responses/Redirect"
                default:
                  $ref: "#/components/responses/Error"
          /api/v1/projects/{owner}/{repo}/requests:
            parameters:
              - $ref: "#/components/parameters/owner"
              - $ref: "#/components/parameters/repo"
            get:
              tags: [projects]
              summary: Per-request rows from provider traces, newest first, seconds after each request.
              operationId: listRequests
              parameters:
                - $ref: "#/components/parameters/cursor"
                - $ref: "#/components/parameters/limit"
              responses:
                "200":
                  description: A page of requests.
                  content:
                    application/json:
                      schema:
                        $ref: "#/components/schemas/TraceRequestPage"
                "301":
                  $ref: "#/components/responses/Redirect"
                default:
                  $ref: "#/components/responses/Error"
          /ingest/openrouter/traces:
            post:
              tags: [provider]
              summary: OpenRouter Broadcast traces (OTLP/HTTP JSON); keeps per-request usage, drops all content.
              operationId: ingestTraces
              security:
                - broadcastToken: []
              requestBody:
                required: false
                content:
                  application/json:
                    schema:
                      $ref: "#/components/schemas/TraceExport"
              responses:
                "200":
                  description: Stored (or stored before, or nothing to store).
                  content:
                    application/json:
                      schema:
                        $ref: "#/components/schemas/TraceExportResult"
                "400":
                  $ref: "#/components/responses/Error"
                "401":
                  $ref: "#/components/responses/Error"
                "404":
                  $ref: "#/components/responses/Error"
                "413":
                  $ref: "#/components/responses/Error"
                "415":
                  $ref: "#/components/responses/Error"
                default:
                  $ref: "#/components/responses/Error"
            put:
              tags: [provider]
              summary: The same as POST, for a destination configured to PUT.
              operationId: ingestTracesPut
              security:
                - broadcastToken: []
              requestBody:
                required: false
                content:
                  application/json:
                    schema:
                      $ref: "#/components/schemas/TraceExport"
              responses:
                "200":
                  description: Stored (or stored before, or nothing to store).
                  content:
                    application/json:
                      schema:
                        $ref: "#/components/schemas/TraceExportResult"
                "400":
                  $ref: "#/components/responses/Error"
                "401":
                  $ref: "#/components/responses/Error"
                "404":
                  $ref: "#/components/responses/Error"
                "413":
                  $ref: "#/components/responses/Error"
                "415":
                  $ref: "#/components/responses/Error"
                default:
                  $ref: "#/components/responses/Error"
          /api/v1/projects/{owner}/{repo}/sessions:
            parameters:
              - $ref: "#/components/parameters/owner"
              - $ref: "#/components/parameters/repo"
            get:
              tags: [projects]
              summary: The project's linked agent sessions, newest first.
              operationId: listSessions
              parameters:
                - $ref: "#/components/parameters/cursor"
                - $ref: "#/components/parameters/limit"
              responses:
                "200":
                  description: A page of sessions.
                  content:
                    application/json:
                      schema:
                        $ref: "#/components/schemas/SessionPage"
                "301":
                  $ref: "#/components/responses/Redirect"
                default:
                  $ref: "#/components/responses/Error"
          /api/v1/cli/keys/{key}:
            parameters:
              - $ref: "#/components/parameters/key"
            get:
              tags: [cli]
              summary: What the CLI needs to know about the key its link token belongs to.
              operationId: cliKeyStatus
              security:
                - linkToken: []
              responses:
                "200":
                  description: The key, its project and how to run agents on it.
                  content:
                    application/json:
                      schema:
                        $ref: "#/components/schemas/CLIKeyStatus"
                "429":
                  $ref: "#/components/responses/RateLimited"
                default:
                  $ref: "#/components/responses/Error"
          /api/v1/cli/keys/{key}/revoke:
            parameters:
              - $ref: "#/components/parameters/key"
            post:
              tags: [cli]
              summary: The kill switch; the key is disabled at once.
              operationId: cliRevokeKey
              security:
                - linkToken: []
              responses:
                "202":
                  description: Revoked.
                  content:
                    application/json:
                      schema:
                        $ref: "#/components/schemas/Revoked"
                "429":
                  $ref: "#/components/responses/RateLimited"
                default:
                  $ref: "#/components/responses/Error"
          /api/v1/cli/sessions/{session}:
            parameters:
              - $ref: "#/components/parameters/session"
            put:
              tags: [cli]
              summary: Start (link) a session with the id the CLI chose; idempotent.
              operationId: cliStartSession
              security:
                - linkToken: []
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      $ref: "#/components/schemas/CLISessionStart"
              responses:
                "201":
                  description: The session is linked; notices are lines for the CLI to print.
                  content:
                    application/json:
                      schema:
                        type: object
                        additionalProperties: false
                        required: [notices]
                        properties:
                          notices:
                            type: array
                            items:
                              type: string
                "429":
                  $ref: "#/components/responses/RateLimited"
                default:
                  $ref: "#/components/responses/Error"
          /api/v1/cli/sessions/{session}/heartbeat:
            parameters:
              - $ref: "#/components/parameters/session"
            post:
              tags: [cli]
              summary: The session is still running (409 key_disabled once its key is disabled).
              operationId: cliHeartbeat
              security:
                - linkToken: []
              responses:
                "204":
                  description: Noted.
                "429":
                  $ref: "#/components/responses/RateLimited"
                default:
                  $ref: "#/components/responses/Error"
          /api/v1/cli/sessions/{session}/end:
            parameters:
              - $ref: "#/components/parameters/session"
            post:
              tags: [cli]
              summary: The session ended; its key's spend is reconciled at once.
              operationId: cliEndSession
              security:
                - linkToken: []
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      $ref: "#/components/schemas/CLISessionEnd"
              responses:
                "204":
                  description: Ended.
                "429":
                  $ref: "#/components/responses/RateLimited"
                default:
                  $ref: "#/components/responses/Error"
          /install.sh:
            get:
              tags: [operations]
              summary: >-
                The CLI installer (POSIX sh), with this server's URL, version and platforms written in: it
                downloads the prebuilt opub and opub-mcp, checks their SHA-256, and installs them.
              operationId: installScript
              responses:
                "200":
                  description: The script.
                  content:
                    text/x-shellscript:
                      schema:
                        type: string
                default:
                  $ref: "#/components/responses/Error"
          /downloads/opub:
            get:
              tags: [operations]
              summary: The CLI version this server distributes, for which platforms, and the install line.
              operationId: cliDistribution
              responses:
                "200":
                  description: The distribution.
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [version, platforms, install_command]
                        properties:
                          version:
                            type: string
                          platforms:
                            type: array
                            items:
                              type: string
                          install_command:
                            type: string
                default:
                  $ref: "#/components/responses/Error"
          /downloads/opub/{version}/{platform}/{file}:
            get:
              tags: [operations]
              summary: A prebuilt opub or opub-mcp binary, or the platform's SHA256SUMS.
              operationId: cliDownload
              parameters:
                - name: version
                  in: path
                  required: true
                  schema:
                    type: string
                - name: platform
                  in: path
                  required: true
                  description: os-arch, for example linux-x86_64.
                  schema:
                    type: string
                - name: file
                  in: path
                  required: true
                  schema:
                    type: string
                    enum: [opub, opub-mcp, SHA256SUMS]
              responses:
                "200":
                  description: The file.
                  content:
                    application/octet-stream:
                      schema:
                        type: string
                        format: binary
                    text/plain:
                      schema:
                        type: string
                "404":
                  $ref: "#/components/responses/Error"
                default:
                  $ref: "#/components/responses/Error"
        """#
}
