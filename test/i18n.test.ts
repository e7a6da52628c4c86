/**
 * The locale files: the same keys in both languages, nothing left blank, the
 * same placeholders, and every key the templates ask for actually exists.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { VIEWS_DIR } from "../src/app.js";
import { LOCALES, messageKeys, translator, type Locale } from "../src/i18n/index.js";
import { HELP_OUTCOMES, POLICE_OUTCOMES, TRIAGE_OUTCOMES } from "../src/cases/workflow.js";
import { REPORT_COLUMNS, reportColumnKey } from "../src/stats/reportTable.js";

/** Every message of a locale, by dotted key. */
const messages = (locale: Locale) => new Map(messageKeys(locale).map((k) => [k, translator(locale)(k)]));
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("locale files", () => {
  it("when a key exists in Vietnamese, then it exists in English, and the other way round", () => {
    const vi = messageKeys("vi");
    const en = messageKeys("en");
    assert.deepEqual(vi.filter((k) => !en.includes(k)), [], "keys missing from en.json");
    assert.deepEqual(en.filter((k) => !vi.includes(k)), [], "keys missing from vi.json");
    assert.ok(vi.length > 50, `a real catalogue (${vi.length} keys)`);
  });

  for (const locale of LOCALES) {
    it(`when a page shows any ${locale} message, then it is not empty`, () => {
      const blank = [...messages(locale)].filter(([, text]) => text.trim() === "").map(([k]) => k);
      assert.deepEqual(blank, []);
    });
  }

  it("when a message has placeholders, then both languages have the same ones", () => {
    const en = messages("en");
    const mismatched = [...messages("vi")].filter(([k, text]) => en.has(k) && placeholders(text).join() !== placeholders(en.get(k)!).join()).map(([k]) => k);
    assert.deepEqual(mismatched, []);
  });

  it("when the Vietnamese file is read, then it is written in Vietnamese (it carries diacritics)", () => {
    const text = [...messages("vi").values()].join(" ");
    const marks = text.match(/[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]/giu) ?? [];
    assert.ok(marks.length > 200, `only ${marks.length} Vietnamese letters`);
    assert.equal(translator("vi")("home.reportButton"), "Báo tin");
  });

  it("when the English file is read, then it is not a copy of the Vietnamese one", () => {
    const vi = messages("vi");
    const same = [...messages("en")].filter(([k, text]) => vi.get(k) === text && /[a-z]{4}/i.test(text)).map(([k]) => k);
    assert.ok(same.length < 10, `untranslated: ${same.join(", ")}`);
  });

  it("when a template names a message with a literal key, then that key exists", () => {
    const known = new Set(messageKeys("vi"));
    const missing: string[] = [];
    let checked = 0;
    const templates = fs.readdirSync(VIEWS_DIR, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".njk"));
    assert.ok(templates.length >= 5, "the templates were found");
    for (const file of templates) {
      const source = fs.readFileSync(path.join(VIEWS_DIR, file), "utf8");
      // Only whole keys: t("a.b") or t("a.b", {...}); t("a." + item) is built at render time.
      for (const m of source.matchAll(/\bt\(\s*["']([\w.]+)["']\s*[,)]/g)) {
        checked++;
        if (!known.has(m[1]!)) missing.push(`${file}: ${m[1]}`);
      }
    }
    assert.ok(checked > 30, `only ${checked} keys found in the templates`);
    assert.deepEqual(missing, []);
  });

  for (const locale of LOCALES) {
    it(`when an outcome is named (${locale}: forms, case page, reports, exports), then its words come from its one key`, () => {
      const all = messages(locale);
      const keyed = [...POLICE_OUTCOMES, ...HELP_OUTCOMES].map((o) => `outcomes.${o}`).concat(TRIAGE_OUTCOMES.map((o) => `triageOutcomes.${o}`));
      for (const key of keyed) {
        assert.ok(all.has(key), `${key} exists`);
        // (A state may share the words of the outcome that leads to it: "actionable" is both.)
        const twins = [...all].filter(([k, text]) => k !== key && !k.startsWith("cases.status.") && text === all.get(key)).map(([k]) => k);
        assert.deepEqual(twins, [], `"${all.get(key)}" is written once, under ${key}`);
      }
      // Every report column has a heading, and an outcome's column is headed by the outcome's key.
      for (const c of REPORT_COLUMNS) assert.ok(all.has(reportColumnKey(c)), `heading of ${c}`);
      assert.equal(reportColumnKey("plants_destroyed"), "outcomes.plants_destroyed");
      assert.equal(reportColumnKey("actionable"), "triageOutcomes.actionable");
      assert.deepEqual([...all.keys()].filter((k) => /^(cases\.outcome|cases\.triageOutcome|dashboard\.outcomes|dashboard\.triage)\./.test(k)), [], "no second set of outcome labels");
    });
  }
});
