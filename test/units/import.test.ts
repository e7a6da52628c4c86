/**
 * The administrative tree as data: parsing a units CSV, importing it whole or
 * not at all, and the operator's `units import` command.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { importUnits } from "../../src/commands/unitsImporter.js";
import { DEFAULT_UNITS_FILE } from "../../src/runtime.js";
import { UnitDirectory } from "../../src/units/directory.js";
import { parseUnitsCsv, UnitsFileError, type UnitRow } from "../../src/units/parseUnitsCsv.js";
import { startTestApp, TEST_SECRET, type TestApp } from "../support/app.js";
import { services } from "../support/services.js";

const BEN_TRE = fs.readFileSync(DEFAULT_UNITS_FILE, "utf8");
const HEADER_2019 = "province_code,province_name,district_code,district_name,district_type,commune_code,commune_name,commune_type";

/** How many rows of each level. */
function levels(rows: Pick<UnitRow, "level">[]) {
  const count = (level: string) => rows.filter((r) => r.level === level).length;
  return { provinces: count("province"), districts: count("district"), communes: count("commune") };
}

/** A 2019-style file: the header and then the given data lines (line 2 onwards). */
const file2019 = (...lines: string[]) => [HEADER_2019, ...lines].join("\n") + "\n";

/** The first six data lines of the Bến Tre file (file lines 2–7). */
const benTreLines = BEN_TRE.split(/\r?\n/).slice(1, 7);

/** The error parseUnitsCsv throws for `text`. */
function rejection(text: string): UnitsFileError {
  try {
    parseUnitsCsv(text);
  } catch (e) {
    assert.ok(e instanceof UnitsFileError, `expected a UnitsFileError, got ${String(e)}`);
    return e;
  }
  assert.fail("the file was accepted");
}

describe("units: parsing a CSV", () => {
  it("when the Bến Tre 2019 file is read, then it holds 1 province, 9 districts and 164 communes", () => {
    const rows = parseUnitsCsv(BEN_TRE);
    assert.deepEqual(levels(rows), { provinces: 1, districts: 9, communes: 164 });
    assert.deepEqual(rows[0], { code: "83", parentCode: null, level: "province", name: "Tỉnh Bến Tre", type: "", position: 0 });
    const township = rows.find((r) => r.code === "28801");
    assert.equal(township?.parentCode, "831");
    assert.equal(township?.name, "Thị trấn Châu Thành");
  });

  it("when a 2025-style file has no district columns, then communes hang directly under the province", () => {
    const rows = parseUnitsCsv(
      ["province_code,province_name,commune_code,commune_name,commune_type", "86,Tỉnh Vĩnh Long,29200,Phường An Hội,Phường", "86,Tỉnh Vĩnh Long,29201,Xã Phú Túc,Xã"].join("\n"),
    );
    assert.deepEqual(levels(rows), { provinces: 1, districts: 0, communes: 2 });
    assert.ok(rows.filter((r) => r.level === "commune").every((r) => r.parentCode === "86"));
  });

  it("when the columns come in another order, then they are read by name", () => {
    const rows = parseUnitsCsv(["commune_name,commune_code,province_name,province_code", "Xã Một,10001,Tỉnh Thử,99"].join("\n"));
    assert.deepEqual(rows.find((r) => r.level === "commune"), { code: "10001", parentCode: "99", level: "commune", name: "Xã Một", type: "", position: 1 });
  });

  it("when a name is quoted and holds a comma, then the comma stays in the name", () => {
    const rows = parseUnitsCsv(file2019(`83,Tỉnh Bến Tre,829,"Thành phố Bến Tre, tỉnh lỵ",Thành phố,28756,"Phường Phú Khương, khu ""A""",Phường`));
    assert.equal(rows.find((r) => r.code === "829")?.name, "Thành phố Bến Tre, tỉnh lỵ");
    assert.equal(rows.find((r) => r.code === "28756")?.name, 'Phường Phú Khương, khu "A"');
  });

  it("when the file starts with a byte-order mark and uses CRLF, then it reads like any other", () => {
    const rows = parseUnitsCsv("\uFEFF" + BEN_TRE.replace(/\r?\n/g, "\r\n"));
    assert.deepEqual(levels(rows), { provinces: 1, districts: 9, communes: 164 });
    assert.equal(rows[0]?.code, "83", "the first column is found despite the BOM");
  });

  it("when line 7 has a code that is not a number, then the file is refused naming line 7", () => {
    const lines = [...benTreLines];
    lines[5] = lines[5]!.replace(/,28\d{3},/, ",28A63,");
    const err = rejection(file2019(...lines));
    assert.equal(err.line, 7);
    assert.match(err.message, /^line 7: /);
    assert.match(err.message, /28A63/);
  });

  it("when one commune is listed under two districts, then the file is refused at the second listing", () => {
    const err = rejection(file2019(benTreLines[0]!, benTreLines[1]!, "83,Tỉnh Bến Tre,831,Huyện Châu Thành,Huyện,28756,Phường Phú Khương,Phường"));
    assert.equal(err.line, 4);
    assert.match(err.message, /28756/);
  });

  it("when one district code is used with two names, then the file is refused", () => {
    const err = rejection(file2019(benTreLines[0]!, "83,Tỉnh Bến Tre,829,Huyện Khác,Huyện,28799,Xã Mới,Xã"));
    assert.equal(err.line, 3);
  });

  it("when some rows have a district and others do not, then the file is refused", () => {
    const err = rejection(file2019(benTreLines[0]!, "83,Tỉnh Bến Tre,,,,28799,Xã Mới,Xã"));
    assert.equal(err.line, 3);
  });

  it("when a second province appears, then the file is refused", () => {
    const err = rejection(file2019(benTreLines[0]!, "84,Tỉnh Trà Vinh,842,Huyện Càng Long,Huyện,29000,Xã Một,Xã"));
    assert.equal(err.line, 3);
  });

  it("when a row has a missing column, then the file is refused at that row", () => {
    assert.equal(rejection(file2019(benTreLines[0]!, "83,Tỉnh Bến Tre,829,Thành phố Bến Tre,Thành phố,28757,Phường Phú Tân")).line, 3);
  });

  it("when a required column is missing from the header, then the file is refused at line 1", () => {
    assert.equal(rejection("province_code,province_name,commune_name\n83,Tỉnh Bến Tre,Xã Một\n").line, 1);
  });

  it("when the file is empty or has only a header, then it is refused", () => {
    rejection("");
    rejection(HEADER_2019 + "\n");
  });

  it("when a quote is never closed, then the file is refused", () => {
    rejection(file2019(`83,Tỉnh Bến Tre,829,"Thành phố Bến Tre,Thành phố,28756,Phường Phú Khương,Phường`));
  });
});

describe("units: importing into the database", function () {
  this.timeout(120_000);
  let app: TestApp;
  let tmp: string;

  const unitCount = async () => (await app.ctx.database.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM units")).rows[0]!.n;
  const writeFile = (name: string, text: string) => {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, text);
    return file;
  };

  before(async () => {
    app = await startTestApp({ role: "web" });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "homthu-units-"));
  });
  after(async () => {
    // Leave the tree as every other test expects it.
    if (app) {
      await importUnits(app.ctx.database.db, BEN_TRE);
      app.ctx.units.invalidate();
      await app.stop();
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("when the Bến Tre file is imported, then the table holds 174 units and the directory shows 9 districts", async () => {
    const result = await importUnits(app.ctx.database.db, BEN_TRE);
    assert.deepEqual(result, { provinces: 1, districts: 9, communes: 164 });
    assert.equal(await unitCount(), 174);
    const tree = await new UnitDirectory(app.ctx.database.db).tree();
    assert.equal(tree.hasDistricts, true);
    assert.equal(tree.districts.length, 9);
    assert.equal(tree.districts.find((d) => d.code === "831")?.communes.length, 22);
  });

  it("when a 2025-style file (province → commune) is imported, then it replaces the tree and the directory has no district level", async () => {
    const result = await importUnits(
      app.ctx.database.db,
      ["province_code,province_name,commune_code,commune_name,commune_type", "83,Tỉnh Bến Tre,28756,Phường An Hội,Phường", "83,Tỉnh Bến Tre,28801,Xã Châu Thành,Xã", '83,Tỉnh Bến Tre,28900,"Xã Phú Túc, mới",Xã'].join("\n"),
    );
    assert.deepEqual(result, { provinces: 1, districts: 0, communes: 3 });
    assert.equal(await unitCount(), 4);
    const tree = await new UnitDirectory(app.ctx.database.db).tree();
    assert.equal(tree.hasDistricts, false);
    assert.deepEqual(tree.districts.map((d) => d.code), ["83"], "the province stands in for the district level");
    assert.deepEqual(tree.districts[0]!.communes.map((c) => c.name), ["Phường An Hội", "Xã Châu Thành", "Xã Phú Túc, mới"]);
    assert.equal(tree.communeDistrict.get("28801"), "83");
  });

  it("when a file with a bad code on line 7 is imported, then it is refused naming line 7 and the table is unchanged", async () => {
    await importUnits(app.ctx.database.db, BEN_TRE);
    const before = await app.ctx.database.pool.query("SELECT * FROM units ORDER BY code");
    const lines = [...benTreLines];
    lines[5] = lines[5]!.replace(/,28\d{3},/, ",28-63,");
    await assert.rejects(importUnits(app.ctx.database.db, file2019(...lines)), (e: unknown) => e instanceof UnitsFileError && e.line === 7);
    const after = await app.ctx.database.pool.query("SELECT * FROM units ORDER BY code");
    assert.deepEqual(after.rows, before.rows);
  });

  it("when a file lists a commune under two districts, then it is refused and the table is unchanged", async () => {
    const before = await unitCount();
    const bad = file2019(...benTreLines, "83,Tỉnh Bến Tre,831,Huyện Châu Thành,Huyện,28756,Phường Phú Khương,Phường");
    await assert.rejects(importUnits(app.ctx.database.db, bad), UnitsFileError);
    assert.equal(await unitCount(), before);
  });

  describe("the command line: units import FILE", () => {
    /** Run `npx tsx src/cli/main.ts …` against the test database; resolves with the exit code and output. */
    function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        NODE_ENV: "test",
        DATABASE_URL: services().databaseUrl,
        SECRET_KEY: TEST_SECRET,
        DATA_DIR: path.join(tmp, "var"),
        LOG_LEVEL: "warn",
        ARGON2_MEMORY_KIB: "1024",
        ARGON2_PASSES: "1",
      };
      delete env.REDIS_URL;
      return new Promise((resolve, reject) => {
        const child = spawn("npx", ["tsx", "src/cli/main.ts", ...args], { cwd: process.cwd(), env, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code, stdout, stderr }));
      });
    }

    const oneLine = (text: string) => text.split("\n").filter(Boolean);

    it("when the operator imports a good file, then it exits 0 with one line of counts and the table holds the file", async () => {
      const file = writeFile("small.csv", file2019(...benTreLines));
      const run = await cli("units", "import", file);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(oneLine(run.stdout), ["imported 1 province, 1 districts, 6 communes"]);
      assert.equal(await unitCount(), 8);
    });

    it("when the operator imports a file with a bad line, then it exits 1 with one readable line naming it, and nothing changes", async () => {
      await importUnits(app.ctx.database.db, BEN_TRE);
      const lines = [...benTreLines];
      lines[5] = lines[5]!.replace(/,28\d{3},/, ",xyz,");
      const run = await cli("units", "import", writeFile("bad.csv", file2019(...lines)));
      assert.equal(run.code, 1);
      assert.equal(run.stdout, "");
      const stderr = oneLine(run.stderr);
      assert.equal(stderr.length, 1, run.stderr);
      assert.match(stderr[0]!, /^homthu: line 7: /);
      assert.equal(await unitCount(), 174);
    });

    it("when the file does not exist, then it exits 1 with one line naming the file", async () => {
      const run = await cli("units", "import", path.join(tmp, "missing.csv"));
      assert.equal(run.code, 1);
      assert.deepEqual(oneLine(run.stderr), [`homthu: no such file: ${path.join(tmp, "missing.csv")}`]);
    });

    it("when the command is unknown, then it exits 1 with one line of usage", async () => {
      const run = await cli("units", "explode");
      assert.equal(run.code, 1);
      const stderr = oneLine(run.stderr);
      assert.equal(stderr.length, 1, run.stderr);
      assert.match(stderr[0]!, /^homthu: usage: /);
    });
  });
});
