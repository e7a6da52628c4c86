// Second half of `npm run build`: the files tsc does not emit but the running
// code reads next to itself (views, locales, migrations, config data, static).
// dist/ mirrors the repository, so every path computed from import.meta.url
// (src/app.ts, src/db/migrate.ts, src/i18n, src/auth/passwordPolicy.ts,
// src/units/bundledTrees.ts) finds the same file under dist/.
import { cpSync, existsSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
// The output folder: dist/, or the one given (the build test builds into a temporary folder).
const dist = path.resolve(root, process.argv[2] ?? "dist");
const notTypeScript = (src) => !src.endsWith(".ts");

for (const dir of ["src/views", "src/i18n/locales", "src/db/migrations", "static"]) {
  const to = path.join(dist, dir);
  if (existsSync(to)) rmSync(to, { recursive: true });
  cpSync(path.join(root, dir), to, { recursive: true });
}
// config/: the data files beside the compiled config/index.js.
cpSync(path.join(root, "config"), path.join(dist, "config"), { recursive: true, filter: notTypeScript });
