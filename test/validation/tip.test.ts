/**
 * The one tip validator, rule by rule, against the real Bến Tre 2019 tree
 * (read from the CSV the app imports, so the codes are the ones tipsters see).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import { DEFAULT_UNITS_FILE } from "../../src/runtime.js";
import type { UnitTree } from "../../src/units/directory.js";
import { parseUnitsCsv, type UnitRow } from "../../src/units/parseUnitsCsv.js";
import { CATEGORIES, validateTip } from "../../src/validation/tip.js";
import { aTip } from "../support/factories.js";

/** The tree as UnitDirectory builds it from the units table, built here from the parsed rows. */
function treeFrom(rows: UnitRow[]): UnitTree {
  const province = rows.find((r) => r.level === "province") ?? null;
  const districts = rows.filter((r) => r.level === "district").map((d) => ({ code: d.code, name: d.name, type: d.type, communes: [] as { code: string; name: string; type: string }[] }));
  const communeDistrict = new Map<string, string>();
  for (const c of rows.filter((r) => r.level === "commune")) {
    districts.find((d) => d.code === c.parentCode)?.communes.push({ code: c.code, name: c.name, type: c.type });
    communeDistrict.set(c.code, c.parentCode!);
  }
  return { province: province && { code: province.code, name: province.name, type: province.type }, hasDistricts: true, districts, communeDistrict };
}

const tree = treeFrom(parseUnitsCsv(fs.readFileSync(DEFAULT_UNITS_FILE, "utf8")));

/** A commune of Thành phố Bến Tre (829), i.e. not in Châu Thành (831). */
const PHU_KHUONG = "28756";
const DAY = 86_400_000;
const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Validate and expect a refusal; returns the field → message-key map. */
function refused(raw: unknown): Record<string, string> {
  const result = validateTip(raw, tree);
  assert.equal(result.ok, false, `expected a refusal of ${JSON.stringify(raw)}`);
  return result.ok ? {} : result.fields;
}

/** Validate and expect acceptance; returns the cleaned value. */
function accepted(raw: unknown) {
  const result = validateTip(raw, tree);
  if (!result.ok) assert.fail(`expected ${JSON.stringify(raw)} to be accepted, got ${JSON.stringify(result.fields)}`);
  return result.value;
}

describe("validateTip: the rules a tip must meet", () => {
  it("the Bến Tre tree the tests use holds Châu Thành with its township (sanity check)", () => {
    assert.equal(tree.districts.length, 9);
    assert.equal(tree.communeDistrict.get("28801"), "831");
    assert.equal(tree.communeDistrict.get(PHU_KHUONG), "829");
  });

  describe("category", () => {
    for (const category of CATEGORIES) {
      it(`when a tipster chooses "${category}", then the tip is accepted with that category`, () => {
        assert.equal(accepted(aTip({ category })).category, category);
      });
    }

    it("when the category is not one of the seven, then category is errors.invalid_category", () => {
      assert.deepEqual(refused(aTip({ category: "smuggling" })), { category: "errors.invalid_category" });
    });

    it("when no category is given, then category is flagged", () => {
      const { category: _omitted, ...tip } = aTip();
      assert.equal(refused(tip).category, "errors.invalid_category");
    });
  });

  describe("district and commune", () => {
    it("when the district is missing, then districtCode is errors.required", () => {
      const { districtCode: _omitted, ...tip } = aTip();
      assert.equal(refused(tip).districtCode, "errors.required");
    });

    it("when the district code is not digits, then districtCode is errors.invalid_district", () => {
      assert.equal(refused(aTip({ districtCode: "831; DROP TABLE tips" })).districtCode, "errors.invalid_district");
    });

    it("when the district code is well-formed but not in the tree, then districtCode is errors.invalid_district", () => {
      assert.equal(refused(aTip({ districtCode: "999" })).districtCode, "errors.invalid_district");
    });

    it("when the district code is sent as a JSON number, then it is refused (codes are strings)", () => {
      assert.ok(refused(aTip({ districtCode: 831 })).districtCode);
    });

    it("when the codes carry surrounding spaces, then they are trimmed and accepted", () => {
      const value = accepted(aTip({ districtCode: " 831 ", communeCode: " 28801 " }));
      assert.equal(value.districtCode, "831");
      assert.equal(value.communeCode, "28801");
    });

    it("when the commune belongs to another district, then communeCode is errors.commune_not_in_district", () => {
      assert.deepEqual(refused(aTip({ communeCode: PHU_KHUONG })), { communeCode: "errors.commune_not_in_district" });
    });

    it("when the commune code exists nowhere, then communeCode is errors.invalid_commune", () => {
      assert.deepEqual(refused(aTip({ communeCode: "99999" })), { communeCode: "errors.invalid_commune" });
    });

    it("when the commune is missing, then communeCode is errors.required", () => {
      const { communeCode: _omitted, ...tip } = aTip();
      assert.equal(refused(tip).communeCode, "errors.required");
    });

    it("when the district is unknown, then the commune is not also blamed for not belonging to it", () => {
      assert.deepEqual(refused(aTip({ districtCode: "999" })), { districtCode: "errors.invalid_district" });
    });
  });

  describe("location", () => {
    it("when the location is exactly 500 characters, then it is accepted", () => {
      assert.equal(accepted(aTip({ location: "a".repeat(500) })).location?.length, 500);
    });

    it("when the location is 501 characters, then location is errors.location_too_long", () => {
      assert.deepEqual(refused(aTip({ location: "a".repeat(501) })), { location: "errors.location_too_long" });
    });

    it("when the location is only spaces, then it counts as not given", () => {
      assert.equal(accepted(aTip({ location: "   " })).location, undefined);
    });

    it("when the location is left out, then the tip is still accepted", () => {
      const { location: _omitted, ...tip } = aTip();
      assert.equal(accepted(tip).location, undefined);
    });
  });

  describe("observedAt", () => {
    it("when it is an ISO date, then it is accepted as written", () => {
      assert.equal(accepted(aTip({ observedAt: "2024-05-01" })).observedAt, "2024-05-01");
    });

    it("when it is an ISO date-time, with or without an offset, then it is accepted", () => {
      for (const observedAt of ["2024-05-01T20:30", "2024-05-01T20:30:15Z", "2024-05-01T20:30:15.123+07:00"])
        assert.equal(accepted(aTip({ observedAt })).observedAt, observedAt);
    });

    it("when it is today, then it is accepted", () => {
      const today = isoDate(Date.now());
      assert.equal(accepted(aTip({ observedAt: today })).observedAt, today);
    });

    it("when it is empty (the form's untouched date input), then it counts as not given", () => {
      assert.equal(accepted(aTip({ observedAt: "" })).observedAt, undefined);
    });

    for (const garbage of ["yesterday", "01/05/2024", "2024-13-01", "2024-05-01T25:00", "2024-05-01 20:30"]) {
      it(`when it is "${garbage}", then observedAt is errors.invalid_date`, () => {
        assert.deepEqual(refused(aTip({ observedAt: garbage })), { observedAt: "errors.invalid_date" });
      });
    }

    it("when it is a day that does not exist (30 February), then observedAt is errors.invalid_date", () => {
      // Date.parse rolls 2024-02-30 over to 1 March instead of rejecting it.
      assert.deepEqual(refused(aTip({ observedAt: "2024-02-30" })), { observedAt: "errors.invalid_date" });
    });

    it("when it is a week in the future, then observedAt is errors.date_in_future", () => {
      assert.deepEqual(refused(aTip({ observedAt: isoDate(Date.now() + 7 * DAY) })), { observedAt: "errors.date_in_future" });
    });

    it("when it is a date-time two days ahead, then observedAt is errors.date_in_future", () => {
      assert.deepEqual(refused(aTip({ observedAt: new Date(Date.now() + 2 * DAY).toISOString() })), { observedAt: "errors.date_in_future" });
    });

    it("when it is not a string, then observedAt is errors.invalid_date", () => {
      assert.deepEqual(refused(aTip({ observedAt: 1714521600000 })), { observedAt: "errors.invalid_date" });
    });
  });

  describe("description", () => {
    it("when it is missing, then description is errors.required", () => {
      const { description: _omitted, ...tip } = aTip();
      assert.deepEqual(refused(tip), { description: "errors.required" });
    });

    it("when it has 19 characters, then description is errors.description_too_short", () => {
      assert.deepEqual(refused(aTip({ description: "x".repeat(19) })), { description: "errors.description_too_short" });
    });

    it("when it has exactly 20 characters, then it is accepted", () => {
      assert.equal(accepted(aTip({ description: "x".repeat(20) })).description.length, 20);
    });

    it("when it has exactly 5000 characters, then it is accepted", () => {
      assert.equal(accepted(aTip({ description: "x".repeat(5000) })).description.length, 5000);
    });

    it("when it has 5001 characters, then description is errors.description_too_long", () => {
      assert.deepEqual(refused(aTip({ description: "x".repeat(5001) })), { description: "errors.description_too_long" });
    });

    it("when 19 characters are padded with spaces to look long enough, then it is still too short", () => {
      assert.deepEqual(refused(aTip({ description: `   ${"x".repeat(19)}\n\n   ` })), { description: "errors.description_too_short" });
    });

    it("when it has spaces around it, then the stored description is trimmed", () => {
      const text = "Có người bán ma túy ở đầu hẻm mỗi tối.";
      assert.equal(accepted(aTip({ description: `\n  ${text}  \t` })).description, text);
    });
  });

  describe("urgent", () => {
    const cases: Array<[unknown, boolean]> = [
      [true, true],
      [false, false],
      ["true", true],
      ["on", true],
      ["false", false],
      ["", false],
    ];
    for (const [sent, expected] of cases) {
      it(`when urgent is ${JSON.stringify(sent)}, then it is read as ${expected}`, () => {
        assert.equal(accepted(aTip({ urgent: sent })).urgent, expected);
      });
    }

    it("when urgent is left out, then it defaults to false", () => {
      const { urgent: _omitted, ...tip } = aTip();
      assert.equal(accepted(tip).urgent, false);
    });

    for (const garbage of ["yes", "1", 1, "TRUE", null]) {
      it(`when urgent is ${JSON.stringify(garbage)}, then urgent is errors.invalid_boolean`, () => {
        assert.deepEqual(refused(aTip({ urgent: garbage })), { urgent: "errors.invalid_boolean" });
      });
    }

    it("when sharePhotoLocation is left out, then it defaults to false (GPS is dropped unless asked)", () => {
      assert.equal(accepted(aTip()).sharePhotoLocation, false);
    });
  });

  describe("the shape of the tip", () => {
    it("when the tip carries a field the form does not have, then that field is errors.unknown_field", () => {
      assert.deepEqual(refused(aTip({ phone: "0909123456" })), { phone: "errors.unknown_field" });
    });

    it("when it carries two unknown fields, then each is named", () => {
      assert.deepEqual(refused(aTip({ name: "Nguyễn Văn A", email: "a@example.org" })), { name: "errors.unknown_field", email: "errors.unknown_field" });
    });

    it("when the body is not an object at all, then it is refused", () => {
      for (const raw of [null, [], "a tip", 42]) refused(raw);
    });

    it("when several fields are wrong at once, then every problem is reported together", () => {
      const fields = refused(
        aTip({ category: "nope", districtCode: "829", communeCode: "28801", location: "a".repeat(501), observedAt: "soon", description: "short", urgent: "maybe", extra: 1 }),
      );
      assert.deepEqual(fields, {
        category: "errors.invalid_category",
        communeCode: "errors.commune_not_in_district",
        location: "errors.location_too_long",
        observedAt: "errors.invalid_date",
        description: "errors.description_too_short",
        urgent: "errors.invalid_boolean",
        extra: "errors.unknown_field",
      });
    });

    it("when everything is right, then the value holds exactly the cleaned fields", () => {
      assert.deepEqual(accepted(aTip({ observedAt: "2024-05-01", urgent: "on" })), {
        category: "cultivation",
        districtCode: "831",
        communeCode: "28801",
        location: "Gần cây xăng, ấp 3",
        observedAt: "2024-05-01",
        description: "Có một vườn trồng cây cần sa sau nhà, khoảng hai mươi cây.",
        urgent: true,
        sharePhotoLocation: false,
      });
    });
  });
});
