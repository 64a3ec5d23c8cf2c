import Foundation
import Hummingbird
import OpenRouter
import OpubSurfaces

/// Test and demo controls under `/_sim` (management key, checked by ``ManagementKeyCheck``): faults,
/// charges, generations, request counts.
struct SimControlRoutes: Sendable {
    let state: SimulatorState

    func add<Context: RequestContext>(to router: some RouterMethods<Context>) {
        router.get("_sim/faults") { _, _ in
            try await answer {
                return try Self.encode(await state.faultSettings())
            }
        }
        router.post("_sim/faults") { request, _ in
            try await answer {
                let buffer = try await request.body.collect(upTo: 1024 * 1024)
                let posted: FaultSettings
                do {
                    posted = try JSONDecoder().decode(FaultSettings.self, from: Data(buffer.readableBytesView))
                } catch {
                    throw SimFailure.badRequest(
                        "The body must be {\"rules\":[…], \"overshoot\":…, \"usage_lag_seconds\":…}: \(error)")
                }
                await state.setFaults(posted)
                return try Self.encode(await state.faultSettings())
            }
        }
        router.delete("_sim/faults") { _, _ in
            try await answer {
                await state.setFaults(FaultSettings())
                return try Self.encode(await state.faultSettings())
            }
        }
        router.post("_sim/charge") { request, _ in
            try await answer {
                return HTTPAnswers.json(try await state.charge(try await HTTPAnswers.body(request)))
            }
        }
        router.get("_sim/generations") { request, _ in
            try await answer {
                guard let hash = request.uri.queryParameters.get("key_hash") else {
                    throw SimFailure.badRequest("key_hash is required")
                }
                return HTTPAnswers.json(await state.generations(ofKey: hash))
            }
        }
        router.post("_sim/clock") { request, _ in
            try await answer {
                let body = try await HTTPAnswers.body(request)
                guard let seconds = body["advance_seconds"]?.intValue else {
                    throw SimFailure.badRequest("advance_seconds: a whole number of seconds (negative moves back)")
                }
                let now = await state.moveClock(bySeconds: Int64(seconds))
                return HTTPAnswers.json(
                    .object([("data", .object([("now", .string(ProviderTimestamp.formatZulu(now)))]))]))
            }
        }
        router.post("_sim/workspaces") { request, _ in
            try await answer {
                let body = try await HTTPAnswers.body(request)
                guard let name = body["name"]?.stringValue, !name.isEmpty else {
                    throw SimFailure.badRequest("name: a non-empty string is required")
                }
                let id = await state.createWorkspace(named: name)
                return HTTPAnswers.json(
                    .object([("data", .object([("id", .string(id)), ("name", .string(name))]))]), status: 201)
            }
        }
        router.get("_sim/stats") { _, _ in
            try await answer {
                let counts = await state.allRequestCounts().sorted { $0.key < $1.key }
                return HTTPAnswers.json(
                    .object([
                        ("keys", .int(await state.keyCount)),
                        ("requests", .object(counts.map { ($0.key, JSONValue.int($0.value)) })),
                    ]))
            }
        }
        router.delete("_sim/stats") { _, _ in
            try await answer {
                await state.resetRequestCounts()
                return HTTPAnswers.json(.object([("reset", .bool(true))]))
            }
        }
    }

    private func answer(_ work: @Sendable () async throws -> Response) async throws -> Response {
        do {
            if let refusal = RouteRunner.refusal { throw refusal }
            return try await work()
        } catch let failure as SimFailure {
            return HTTPAnswers.failure(failure, format: .openRouter)
        }
    }

    static func encode(_ settings: FaultSettings) throws -> Response {
        let data = try JSONEncoder().encode(settings)
        let value = try JSONValue.parse(Array(data))
        return HTTPAnswers.json(value)
    }
}
