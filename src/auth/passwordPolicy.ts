/**
 * Staff password rules: at least 12 characters and not on the list of common
 * passwords shipped in config/common-passwords.txt (compared lowercased, with
 * spaces removed, so "Password 1234" is caught too).
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const MIN_PASSWORD_LENGTH = 12;

const LIST = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "config", "common-passwords.txt");
const normalise = (p: string) => p.toLowerCase().replace(/\s+/g, "");
const common = new Set(
  fs
    .readFileSync(LIST, "utf8")
    .split("\n")
    .map((l) => normalise(l.trim()))
    .filter((l) => l && !l.startsWith("#")),
);

/** The locale key of the problem with `password`, or null when it is acceptable. */
export function passwordProblem(password: string): string | null {
  if ([...password].length < MIN_PASSWORD_LENGTH) return "errors.password_too_short";
  if (common.has(normalise(password))) return "errors.password_common";
  return null;
}
