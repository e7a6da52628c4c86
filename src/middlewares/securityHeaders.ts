/**
 * Response headers: a strict Content-Security-Policy (nothing but this origin,
 * no inline script or style, no framing), no referrer, HSTS only in production
 * (an onion service or a local test runs on plain HTTP), and no-store on every
 * dynamic page so nothing a tipster saw stays in a shared phone's cache.
 */
import type { NextFunction, Request, Response } from "express";
import helmet from "helmet";

export function securityHeaders(production: boolean) {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'"],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
      },
    },
    referrerPolicy: { policy: "no-referrer" },
    strictTransportSecurity: production ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    crossOriginEmbedderPolicy: false,
  });
}

export function noStore(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader("Cache-Control", "no-store");
  res.setHeader("Pragma", "no-cache");
  next();
}

/** Onion-Location: Tor Browser offers the onion service for the same page. */
export function onionLocation(onion: string | undefined) {
  return (req: Request, res: Response, next: NextFunction): void => {
    // Built from the onion's origin and the path as text: `new URL("//evil.onion/x", base)` would change the host.
    if (onion) res.setHeader("Onion-Location", `${new URL(onion).origin}/${req.originalUrl.replace(/^\/+/, "")}`);
    next();
  };
}
