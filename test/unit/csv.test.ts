/** The CSV reader under the units and classification imports: csv-parse, with each record's starting line. */
import assert from "node:assert/strict";
import { CsvSyntaxError, parseCsv } from "../../src/units/csv.js";

describe("units/csv: records with the line they start on", () => {
  it("when quoted fields span lines, blank and all-empty lines sit between, and CRLF and LF mix, then each record names its first line", () => {
    const text = '\uFEFFcode,name\r\n"1","Xã\nMột"\n\n,,\n2,"Phường ""A"", khu 3"\r\n"3","a\r\nb\r\nc"\n4,last';
    assert.deepEqual(parseCsv(text), [
      { line: 1, fields: ["code", "name"] },
      { line: 2, fields: ["1", "Xã\nMột"] },
      { line: 6, fields: ["2", 'Phường "A", khu 3'] },
      { line: 7, fields: ["3", "a\r\nb\r\nc"] },
      { line: 10, fields: ["4", "last"] },
    ]);
  });

  it("when rows have fewer or more fields than the header, then they are still read (the importers name the row)", () => {
    assert.deepEqual(parseCsv("a,b\n1\n1,2,3").map((r) => r.fields.length), [2, 1, 3]);
  });

  for (const [what, text, line] of [
    ["a quote is never closed", 'a,b\n\n"x,1\n2,3\n', 3],
    ["a quote sits inside an unquoted field", "a,b\nx\"y,1\n", 2],
    ["text follows a closing quote", 'a,b\n"x" ,1\n', 2],
  ] as const) {
    it(`when ${what}, then it is refused naming line ${line}`, () => {
      assert.throws(() => parseCsv(text), (err: unknown) => err instanceof CsvSyntaxError && err.line === line);
    });
  }
});
