/**
 * The JSON body parser with the raw-input check every route needs before its
 * validator: JSON of any depth or shape, and text that is not valid Unicode,
 * answer 400 with field messages, never 500 (see validation/fields.ts).
 */
import { isUtf8 } from "node:buffer";
import express, { type NextFunction, type Request, type Response } from "express";
import { invalidInput } from "../errors.js";
import { rawInputProblems } from "../validation/fields.js";

function checked(code: string) {
  return (req: Request, _res: Response, next: NextFunction) => {
    // Control characters are left to each validator (some fields allow tabs and line breaks, all refuse the rest).
    const problems = rawInputProblems(req.body, { controls: false });
    next(Object.keys(problems).length > 0 ? invalidInput(code, problems) : undefined);
  };
}

/** express.json, then the depth and encoding check. */
export function jsonBody(limit: string, code = "invalid_input") {
  const parse = express.json({ limit, strict: true });
  const check = checked(code);
  return (req: Request, res: Response, next: NextFunction) => parse(req, res, (err?: unknown) => (err ? next(err) : check(req, res, next)));
}


const rawForms = new WeakMap<Request, Buffer>();

/** Percent-decode one url-encoded key or value to its bytes ("+" is a space). */
function formBytes(s: string): Buffer {
  return Buffer.from(s.replace(/\+/g, " ").replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), "latin1");
}

/**
 * express.urlencoded (flat fields). The parser keeps an escape that is not
 * UTF-8 (`%C3%28`) as literal text; here such a value is decoded the way a
 * browser's multipart post would be, with U+FFFD in place of the bad bytes,
 * so the validator refuses it with the field's message (and a form page can
 * give back everything else that was typed).
 */
export function formBody(limit: string) {
  const parse = express.urlencoded({ extended: false, limit, verify: (req, _res, buf) => void rawForms.set(req as Request, buf) });
  return (req: Request, res: Response, next: NextFunction) =>
    parse(req, res, (err?: unknown) => {
      const raw = rawForms.get(req);
      const body = req.body as Record<string, unknown> | undefined;
      if (!err && raw && body && typeof body === "object") {
        for (const pair of raw.toString("latin1").split("&")) {
          const [k = "", v = ""] = pair.split("=");
          const key = formBytes(k);
          const value = formBytes(v);
          if (isUtf8(key) && isUtf8(value)) continue;
          const name = key.toString("utf8");
          if (isUtf8(key) && Object.hasOwn(body, name)) body[name] = value.toString("utf8");
          else body[name] = "\ufffd";
        }
      }
      next(err);
    });
}
