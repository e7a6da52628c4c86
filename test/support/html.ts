/** Reading the staff pages' tables in tests. */
import assert from "node:assert/strict";

/** The cells of the row headed `name` in the table with id `tableId`. */
export function rowCells(html: string, tableId: string, name: string): string[] {
  const table = new RegExp(`<table[^>]*id="${tableId}"[\\s\\S]*?</table>`).exec(html)?.[0] ?? "";
  const row = [...table.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((m) => m[1]!).find((r) => new RegExp(`<th scope="row">${name}</th>`).test(r));
  assert.ok(row, `a row for ${name} in #${tableId}`);
  return [...row.matchAll(/<td>([^<]*)<\/td>/g)].map((m) => m[1]!.trim());
}
