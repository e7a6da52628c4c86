/**
 * The production build: `tsc -p tsconfig.build.json` plus the asset copy,
 * into a temporary folder, then the web role started from it as production
 * starts it (`node dist/src/launch.cjs web`: plain `node`, no tsx loader) and
 * NODE_ENV=production. It must serve /healthz, a
 * page rendered from the copied views and locales, and a static file; and
 * nothing in the compiled tree may need tsx.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { spawnRole, type RoleProcess } from "../support/roleProcess.js";

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

describe("production build (npm run build, node dist/src/launch.cjs)", function () {
  this.timeout(600_000);
  let tmp = "";
  let web: RoleProcess | undefined;

  before(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), "homthu-build-"));
    // node_modules beside dist/, as in the image, so the compiled code resolves its packages.
    symlinkSync(path.join(ROOT, "node_modules"), path.join(tmp, "node_modules"), "dir");
    const dist = path.join(tmp, "dist");
    await run(process.execPath, [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json", "--outDir", dist], { cwd: ROOT });
    await run(process.execPath, ["scripts/copy-assets.mjs", dist], { cwd: ROOT });
  });
  after(async () => {
    await web?.kill();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("compiles everything that runs, with the files it reads beside it, and nothing needs tsx", () => {
    const files = filesUnder(path.join(tmp, "dist")).map((f) => path.relative(path.join(tmp, "dist"), f));
    for (const needed of ["src/launch.cjs", "src/main.js", "src/cli/main.js", "workers/index.js", "config/index.js", "config/common-passwords.txt", "src/views/layout.njk", "src/i18n/locales/vi.json", "src/db/migrations/meta/_journal.json", "static/css/staff.css"])
      assert.ok(files.includes(needed), `dist/${needed} is missing`);
    assert.equal(files.filter((f) => f.endsWith(".ts")).length, 0, "no TypeScript source in dist/");
    for (const f of files.filter((f) => f.endsWith(".js") || f.endsWith(".cjs"))) assert.doesNotMatch(readFileSync(path.join(tmp, "dist", f), "utf8"), /from "tsx|import\("tsx/, `${f} imports tsx`);
    const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string>; scripts: Record<string, string> };
    assert.equal(pkg.dependencies.tsx, undefined, "tsx is a development dependency only");
    for (const s of ["start", "web", "worker"]) assert.match(pkg.scripts[s]!, /^node (--[\w-]+=\S+ )*dist\/src\/launch\.cjs /);
    // The image and compose start the roles exactly as package.json does (node options included).
    const asWords = (script: string) => JSON.stringify(script.split(" "));
    const dockerfile = readFileSync(path.join(ROOT, "Dockerfile"), "utf8");
    assert.equal(JSON.stringify(JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]!)), asWords(pkg.scripts.web!), "Dockerfile CMD = npm run web");
    const compose = readFileSync(path.join(ROOT, "docker-compose.yml"), "utf8");
    const commands = [...compose.matchAll(/^\s+command: (\["node".*\])$/gm)].map((m) => JSON.stringify(JSON.parse(m[1]!)));
    assert.deepEqual(commands, [asWords(pkg.scripts.web!), asWords(pkg.scripts.worker!)], "compose's app and worker = npm run web / worker");
  });

  it("serves /healthz, a page and a static file from dist/ in production mode", async () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
    const options = pkg.scripts.web!.split(" ").slice(1, -2);
    web = await spawnRole("dist-web", "web", { NODE_ENV: "production", LOG_LEVEL: "info" }, 120_000, undefined, [...options, path.join(tmp, "dist", "src", "launch.cjs")]);
    const health = await fetch(`${web.url}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: "ok" });
    const login = await fetch(`${web.url}/staff/login?lang=en`);
    assert.equal(login.status, 200);
    assert.match(await login.text(), /name="totp"/, "the view and the locale were found");
    const css = await fetch(`${web.url}/static/css/staff.css`);
    assert.equal(css.status, 200);
    const { ending } = await web.terminate(30_000);
    assert.deepEqual(ending, { code: 0, signal: null }, web.output.join(""));
  });
});
