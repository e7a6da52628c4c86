/**
 * Locale selection and message lookup for the public pages.
 *
 * Every user-facing string lives in `locales/<locale>.json` as nested keys;
 * code and templates refer to them by dotted path (`"report.submit"`).
 * The files are read once at module load so a request never touches the disk.
 */
import { readFileSync } from "node:fs";

/** A language the pages are written in. */
export type Locale = "vi" | "en";

/** All supported locales, default first. */
export const LOCALES: readonly Locale[] = ["vi", "en"];

/** Vietnamese is what the tip line's audience reads; English is secondary. */
export const DEFAULT_LOCALE: Locale = "vi";

/** Looks up a dotted key and fills `{name}` placeholders from `params`. */
export type Translate = (key: string, params?: Record<string, string | number>) => string;

type MessageTree = { [key: string]: string | MessageTree };

/** Flattens `{ a: { b: "x" } }` into `a.b -> "x"`, rejecting anything but strings and objects. */
function flatten(tree: MessageTree, prefix: string, out: Map<string, string>): Map<string, string> {
  for (const [name, value] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${name}` : name;
    if (typeof value === "string") {
      out.set(key, value);
    } else if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      flatten(value, key, out);
    } else {
      // A number or array here is a typo in the locale file; fail at startup, not mid-request.
      throw new Error(`Locale key "${key}" must be a string or an object`);
    }
  }
  return out;
}

function load(locale: Locale): Map<string, string> {
  const url = new URL(`./locales/${locale}.json`, import.meta.url);
  const tree = JSON.parse(readFileSync(url, "utf8")) as MessageTree;
  return flatten(tree, "", new Map());
}

const catalogs: Record<Locale, Map<string, string>> = {
  vi: load("vi"),
  en: load("en"),
};

function isLocale(value: unknown): value is Locale {
  return typeof value === "string" && (LOCALES as readonly string[]).includes(value);
}

/**
 * Chooses the page language from the query string (`?lang=en`).
 * Accepts either the parsed query object or the raw `lang` value; anything
 * unexpected (arrays from `?lang=en&lang=vi`, unknown codes) falls back to Vietnamese.
 */
export function pickLocale(query: unknown): Locale {
  const raw =
    query !== null && typeof query === "object" ? (query as Record<string, unknown>).lang : query;
  const value = typeof raw === "string" ? raw.trim().toLowerCase() : undefined;
  return isLocale(value) ? value : DEFAULT_LOCALE;
}

/**
 * Returns the lookup function for one locale.
 * A missing key returns the key itself, so a gap shows up on the page instead of
 * crashing it; the key-parity test catches gaps before release. Placeholders
 * without a matching param are left as written, which lets templates hand
 * half-filled strings (e.g. `{count}`) to the browser script.
 */
export function translator(locale: Locale): Translate {
  const catalog = catalogs[isLocale(locale) ? locale : DEFAULT_LOCALE];
  return (key, params) => {
    const message = catalog.get(key);
    if (message === undefined) return key;
    if (!params) return message;
    return message.replace(/\{(\w+)\}/g, (placeholder, name: string) =>
      Object.hasOwn(params, name) ? String(params[name]) : placeholder,
    );
  };
}

/** Every dotted key defined for a locale, sorted; used by the key-parity test. */
export function messageKeys(locale: Locale): string[] {
  return [...catalogs[locale].keys()].sort();
}
