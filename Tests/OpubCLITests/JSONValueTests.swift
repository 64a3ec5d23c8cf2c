import Foundation
import OpubSurfaces
import Testing

/// The one JSON type: the CLI's configuration files, the server's request bodies and error details, and
/// the simulator's requests and answers.
@Suite("JSON values (OpubSurfaces)")
struct JSONValueTests {
    @Test("strings escape what they must: portable for configuration files, minimal for the simulator")
    func escaping() {
        #expect(JSONValue.quoted("a\"b\\c\nd\u{1}") == "\"a\\\"b\\\\c\\nd\\u0001\"")
        let controls = JSONValue.string("\u{1B}\u{7F}\r\t")
        #expect(controls.rendered() == #""\u001B\u007F\r\t""#)
        #expect(controls.rendered(escaping: .minimal) == "\"\\u001b\u{7F}\\r\\t\"")
        #expect(JSONValue.string("é😀/").rendered() == "\"é😀/\"")
    }

    @Test("compact and pretty text keep the member order and write numbers as their text")
    func rendering() {
        #expect(JSONValue.object([("k", .array([.int(1), .bool(true)]))]).rendered() == "{\"k\":[1,true]}")
        let value = JSONValue.object([
            ("b", .array([.string("x"), .null])), ("a", .number("0.0001851")), ("c", .object([])), ("d", .array([])),
        ])
        #expect(value.rendered() == #"{"b":["x",null],"a":0.0001851,"c":{},"d":[]}"#)
        let pretty = """
            {
              "b": [
                "x",
                null
              ],
              "a": 0.0001851,
              "c": {},
              "d": []
            }
            """
        #expect(value.rendered(pretty: true) == pretty)
    }

    @Test("number helpers")
    func numbers() {
        #expect(JSONValue.int(-3) == JSONValue.number("-3"))
        #expect(JSONValue.int64(10_000_000_000) == JSONValue.number("10000000000"))
        #expect(JSONValue.double(65536) == JSONValue.number("65536"))
        #expect(JSONValue.double(0.1) == JSONValue.number("0.1"))
        #expect(JSONValue.double(-0.0) == JSONValue.number("-0"))
        #expect(JSONValue.double(1e200) == JSONValue.number("1e+200"))
        #expect(JSONValue.number("3.0").intValue == 3)
        #expect(JSONValue.number("3.5").intValue == nil)
        #expect(JSONValue.number("0.25").doubleValue == 0.25)
        #expect(JSONValue.string("3").intValue == nil)
    }

    @Test("parse keeps the decimal text and sorts members by name")
    func parsing() throws {
        let value = try JSONValue.parse(Array(#"{"b":0.0001851,"a":[true,null,"x",42],"c":{}}"#.utf8))
        let expected = JSONValue.object([
            ("a", .array([.bool(true), .null, .string("x"), .number("42")])), ("b", .number("0.0001851")),
            ("c", .object([])),
        ])
        #expect(value == expected)
        #expect(value["b"]?.numberText == "0.0001851")
        #expect(throws: (any Error).self) { try JSONValue.parse(Array("{\"a\":".utf8)) }
    }

    @Test("Codable reads numbers as Double, sorts members by name, and writes them back")
    func codable() throws {
        let data = Data(#"{"n":65536,"f":0.5,"s":"x","o":{"z":null,"y":false}}"#.utf8)
        let value = try JSONDecoder().decode(JSONValue.self, from: data)
        let expected = JSONValue.object([
            ("f", .number("0.5")), ("n", .number("65536")), ("o", .object([("y", .bool(false)), ("z", .null)])),
            ("s", .string("x")),
        ])
        #expect(value == expected)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let encoded = try encoder.encode(value)
        #expect(try JSONDecoder().decode(JSONValue.self, from: encoded) == value)
        #expect(String(decoding: encoded, as: UTF8.self) == #"{"f":0.5,"n":65536,"o":{"y":false,"z":null},"s":"x"}"#)
    }

    @Test("equality follows the member order; the dictionary view ignores it")
    func equality() {
        let ab = JSONValue.object([("a", .int(1)), ("b", .null)])
        let ba = JSONValue.object([("b", .null), ("a", .int(1))])
        #expect(ab != ba)
        #expect(ab.dictionaryValue == ba.dictionaryValue)
        #expect(Set([ab, ab, ba]).count == 2)
        #expect(ab["a"] == JSONValue.int(1))
        #expect(ab["c"] == nil)
        #expect(JSONValue.array([]).dictionaryValue == nil)
        #expect(JSONValue.object([]).typeName == "an object")
    }
}
