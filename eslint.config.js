// ESLint (flat config, typescript-eslint parser): rules about where code sits,
// not about taste. The layer rules are those of docs/ARCHITECTURE.md ("Layer
// rules"); they are checked by the local rule homthu/layers below.
//
// The layer rules hold for the whole tree with no exception list: any
// violation fails `npm run lint`. Lines over 160 characters written before the
// rule existed are counted per file in eslint-suppressions.json (ESLint's bulk
// suppressions): a file may not gain one more; `npx eslint --prune-suppressions .` after fixing some.
import path from "node:path";
import { fileURLToPath } from "node:url";
import tseslint from "typescript-eslint";

const ROOT = path.dirname(fileURLToPath(import.meta.url));

/**
 * The layer of a file, from its path relative to the repository root.
 *   entry     composition roots: src/launch.cts, src/{main,runtime,app}.ts, src/cli/, workers/
 *   routes/*  HTTP: src/routes/{api,staff,public}/ and src/routes/*.ts
 *   flows     steps shared by the HTML and JSON routes (src/flows/)
 *   web       HTTP helpers below the routes (src/middlewares/, src/presenters/)
 *   commands  state changes (src/commands/)
 *   crypto    src/crypto/, the only code that may use libsodium and argon2
 *   lower     everything else in src/ (queries, policies, validation, db, ...)
 *   outside   tests, scripts, bench, config (only the library rules apply)
 */
function layerOf(file) {
  const rel = path.relative(ROOT, file).split(path.sep).join("/");
  if (rel.startsWith("workers/") || rel.startsWith("src/cli/") || ["src/launch.cts", "src/main.ts", "src/runtime.ts", "src/app.ts"].includes(rel)) return "entry";
  const m = /^src\/routes\/(api|staff|public)\//.exec(rel);
  if (m) return `routes/${m[1]}`;
  if (rel.startsWith("src/routes/")) return "routes";
  if (rel.startsWith("src/flows/")) return "flows";
  if (rel.startsWith("src/middlewares/") || rel.startsWith("src/presenters/")) return "web";
  if (rel.startsWith("src/commands/")) return "commands";
  if (rel.startsWith("src/crypto/")) return "crypto";
  if (rel.startsWith("src/")) return "lower";
  return "outside";
}

const ROUTES = ["routes", "routes/api", "routes/staff", "routes/public"];
const ABOVE_COMMANDS = ["entry", ...ROUTES, "flows", "web"];

/** Which layers a layer may not import from. */
const FORBIDDEN = {
  lower: [...ABOVE_COMMANDS, "commands"],
  crypto: [...ABOVE_COMMANDS, "commands"],
  web: ["entry", ...ROUTES, "flows", "commands"],
  commands: ABOVE_COMMANDS,
  flows: ["entry", ...ROUTES],
  // The HTML pages never import the JSON routers (nor the other way round):
  // what both need lives in flows/, validation/ or a query module.
  "routes/staff": ["entry", "routes/api", "routes/public"],
  "routes/public": ["entry", "routes/api", "routes/staff"],
  "routes/api": ["entry", "routes/staff", "routes/public"],
  routes: ["entry", "routes/api", "routes/staff", "routes/public"],
  entry: [],
  outside: [],
};

/** Only src/crypto/ may use these. */
const CRYPTO_LIBRARIES = ["libsodium-wrappers", "libsodium-wrappers-sumo", "libsodium", "sodium-native", "argon2"];

const rel = (file) => path.relative(ROOT, file).split(path.sep).join("/");

/** The local rule: imports between layers, crypto libraries, database access from routes. */
const layersRule = {
  meta: {
    type: "problem",
    docs: { description: "Enforce the layer rules of docs/ARCHITECTURE.md" },
    schema: [],
    messages: {
      layer: "{{from}} may not import {{to}} ({{source}}): see the layer rules in docs/ARCHITECTURE.md",
      crypto: "only src/crypto/ may import {{source}}",
      database: "routes, flows and web helpers may not import {{source}}: read through a query module, write through a command",
    },
  },
  create(context) {
    const file = context.filename;
    const from = layerOf(file);
    // Routes, flows and the web helpers read through query modules and write through commands.
    const noDatabase = from === "routes" || from.startsWith("routes/") || from === "flows" || from === "web";
    function check(node, source, typeOnly) {
      if (typeof source !== "string") return;
      if (CRYPTO_LIBRARIES.includes(source) && from !== "crypto" && from !== "outside") {
        context.report({ node, messageId: "crypto", data: { source } });
        return;
      }
      if (!source.startsWith(".")) {
        if (noDatabase && !typeOnly && (source === "drizzle-orm" || source.startsWith("drizzle-orm/"))) context.report({ node, messageId: "database", data: { source } });
        return;
      }
      const target = path.resolve(path.dirname(file), source);
      const to = layerOf(target);
      if (noDatabase && !typeOnly && rel(target).replace(/\.(js|ts)$/, "") === "src/db/schema") context.report({ node, messageId: "database", data: { source } });
      // A type says nothing about who calls whom, but keep even those pointing down.
      if ((FORBIDDEN[from] ?? []).includes(to)) context.report({ node, messageId: "layer", data: { from, to, source } });
    }
    return {
      ImportDeclaration(node) {
        check(node, node.source.value, node.importKind === "type");
      },
      ExportNamedDeclaration(node) {
        if (node.source) check(node, node.source.value, node.exportKind === "type");
      },
      ExportAllDeclaration(node) {
        check(node, node.source.value, node.exportKind === "type");
      },
      ImportExpression(node) {
        if (node.source.type === "Literal") check(node, node.source.value, false);
      },
    };
  },
};

/** Database writes (insert/update/delete/transaction calls) belong in commands. */
const WRITE_CALLS = {
  selector: [
    "CallExpression[callee.property.name=/^(insert|update|delete|transaction|execute)$/][callee.object.property.name='db']",
    "CallExpression[callee.property.name=/^(insert|update|delete|transaction|execute)$/][callee.object.name=/^(db|tx)$/]",
  ].join(", "),
  message: "routes and flows do not write to the database: call a command (src/commands/), which checks its policy and writes its audit row",
};

/**
 * A command file exports its commands (and their types), not other modules' reads: a route that needs a
 * read imports it from its query or model module, so that what a route imports from src/commands/ is
 * something it calls to change state. Re-exporting is how reads crept in; ESLint cannot tell a command
 * from a helper by its name, so this is the part of the rule that can be checked.
 */
const COMMAND_REEXPORTS = {
  selector: "ExportNamedDeclaration[source], ExportAllDeclaration",
  message: "a command file does not re-export other modules: import reads from their query or model module (docs/ARCHITECTURE.md)",
};

export default tseslint.config(
  { ignores: ["node_modules/", "dist/", "coverage/", "**/*.js", "!eslint.config.js", "src/db/migrations/"] },
  {
    files: ["**/*.ts", "**/*.cts"],
    languageOptions: { parser: tseslint.parser, ecmaVersion: 2023, sourceType: "module" },
    plugins: { homthu: { rules: { layers: layersRule } }, "@typescript-eslint": tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      "homthu/layers": "error",
      // One import statement per module (a separate `import type` is fine).
      "no-duplicate-imports": ["error", { allowSeparateTypeImports: true }],
      // Long lines hide code in review; strings, URLs and regular expressions may run on.
      "max-len": ["error", { code: 160, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreUrls: true, ignoreComments: false }],
    },
  },
  {
    files: ["src/routes/**/*.ts", "src/flows/**/*.ts"],
    rules: { "no-restricted-syntax": ["error", WRITE_CALLS] },
  },
  {
    files: ["src/commands/**/*.ts"],
    rules: { "no-restricted-syntax": ["error", COMMAND_REEXPORTS] },
  },
);
