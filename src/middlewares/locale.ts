/**
 * Pick the page language (?lang=en, or the form's hidden `lang` field) and put
 * the translator and the language links in res.locals for the templates.
 */
import type { NextFunction, Request, Response } from "express";
import type { AppConfig } from "../../config/index.js";
import { pickLocale, translator, type Locale } from "../i18n/index.js";

export function setLocale(res: Response, req: Request, lang: Locale): void {
  const other: Locale = lang === "vi" ? "en" : "vi";
  const params = new URLSearchParams();
  if (other !== "vi") params.set("lang", other);
  res.locals.lang = lang;
  res.locals.t = translator(lang);
  res.locals.langQuery = lang === "vi" ? "" : `?lang=${lang}`;
  res.locals.langField = lang === "vi" ? null : lang;
  const qs = params.toString();
  res.locals.langSwitch = { href: req.path + (qs ? `?${qs}` : ""), label: translator(lang)("layout.otherLanguage") };
}

export function locale(config: AppConfig) {
  return (req: Request, res: Response, next: NextFunction) => {
    setLocale(res, req, pickLocale(req.query.lang));
    res.locals.quickExitUrl = config.quickExitUrl;
    next();
  };
}
