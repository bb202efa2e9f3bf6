import SimReport
import XCTest

/// The JSON writer is the contract scripts parse: stable order, stable numbers, valid escapes.
final class JSONValueTests: XCTestCase {
    func testKeysKeepTheirOrderAndNumbersTheirForm() {
        let v: JSONValue = .object([
            ("z", .int(-3)), ("a", .num(2.5)), ("m", .num(1.0 / 3.0)), ("whole", .num(7.0)), ("big", .uint(UInt64.max)),
        ])
        XCTAssertEqual(v.render(pretty: false), #"{"z":-3,"a":2.5,"m":0.333,"whole":7,"big":18446744073709551615}"#)
    }

    func testStringsAreEscaped() {
        let v: JSONValue = .array([.string("a\"b\\c\nd\u{01}")])
        XCTAssertEqual(v.render(pretty: false), #"["a\"b\\c\nd\u0001"]"#)
        // The output parses with Foundation's parser.
        let parsed = try? JSONSerialization.jsonObject(with: Data(v.render().utf8)) as? [String]
        XCTAssertEqual(parsed, ["a\"b\\c\nd\u{01}"])
    }

    func testNonFiniteNumbersBecomeNull() {
        XCTAssertEqual(JSONValue.num(.infinity).render(), "null")
        XCTAssertEqual(JSONValue.num(.nan).render(), "null")
    }

    func testLookupWithWildcard() {
        let v: JSONValue = .object([("kernels", .object([
            ("a", .object([("ipi", .object([("sent", .uint(1))]))])),
            ("b", .object([("ipi", .object([("sent", .uint(2))]))])),
        ]))])
        let found = v.lookup("kernels.*.ipi.sent".split(separator: "."))
        XCTAssertEqual(found.map(\.0), ["kernels.a.ipi.sent", "kernels.b.ipi.sent"])
        XCTAssertEqual(found.compactMap { $0.1.doubleValue }, [1, 2])
        XCTAssertTrue(v.lookup("kernels.c.ipi".split(separator: ".")).isEmpty)
    }
}
