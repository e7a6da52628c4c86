/**
 * Pick the page language (?lang=en; form routes re-pick from their hidden
 * `lang` field with setLocale) and put the translator and the language links
 * in res.locals for the templates. The switch link keeps the page's other
 * query parameters (filters), and points at the page itself only for GETs.
 */
import type { NextFunction, Request, Response } from "express";
import type { AppConfig } from "../../config/index.js";
import { pickLocale, translator, type Locale } from "../i18n/index.js";

/** The GET page a request belongs to: a form's POST action maps back to the page that shows the form. */
function pageOf(req: Request): string {
  // One leading slash only: "//evil.example/x" would make the link leave the site.
  const path = req.path.replace(/^\/+/, "/");
  if (req.method === "GET") return path;
  return path.replace(/^(\/staff\/cases\/[^/]+)\/[^/]+$/, "$1").replace(/^\/follow-up\/messages$/, "/follow-up/tip");
}

export function setLocale(res: Response, req: Request, lang: Locale): void {
  const other: Locale = lang === "vi" ? "en" : "vi";
  const params = new URLSearchParams(req.method === "GET" ? (req.originalUrl.split("?")[1] ?? "") : "");
  params.delete("lang");
  if (other !== "vi") params.set("lang", other);
  res.locals.lang = lang;
  res.locals.t = translator(lang);
  res.locals.langQuery = lang === "vi" ? "" : `?lang=${lang}`;
  res.locals.langField = lang === "vi" ? null : lang;
  const qs = params.toString();
  res.locals.langSwitch = { href: pageOf(req) + (qs ? `?${qs}` : ""), label: translator(lang)("layout.otherLanguage") };
}

export function locale(config: AppConfig) {
  return (req: Request, res: Response, next: NextFunction) => {
    setLocale(res, req, pickLocale(req.query.lang));
    res.locals.quickExitUrl = config.quickExitUrl;
    next();
  };
}
