/**
 * The campaign poster page:
 *   GET /staff/posters   an A4 campaign poster with the tip line's QR code (any signed-in staff member)
 * The QR code is drawn only for a public address: one for 127.0.0.1 or a LAN would lead nowhere once printed.
 */
import { Router, type Request, type Response } from "express";
import { qrSvg } from "../../auth/totp.js";
import type { AppContext } from "../../context.js";
import { translator } from "../../i18n/index.js";
import { noStore } from "../../middlewares/securityHeaders.js";
import { requireCsrf, requireStaff } from "../../middlewares/staffSession.js";
import { isPublicUrl } from "../../setup/publicAddress.js";
import { formBody, langOf, pageLocals, textOf } from "./forms.js";

const CAMPAIGNS = ["general", "june26", "school"] as const;

/** The tip line's own address: PUBLIC_URL, or the address this page was asked on. */
const tipLineUrl = (ctx: AppContext, req: Request) => (ctx.config.publicUrl ?? `${req.protocol}://${req.get("host")}`).replace(/\/+$/, "");

export function staffPosterPages(ctx: AppContext): Router {
  const router = Router();
  router.use("/staff/posters", noStore, formBody, requireStaff, requireCsrf, pageLocals);

  router.get("/staff/posters", async (req: Request, res: Response) => {
    const tree = await ctx.units.tree();
    const district = tree.districts.find((d) => d.code === textOf(req.query.district)) ?? null;
    const campaign = (CAMPAIGNS as readonly string[]).includes(textOf(req.query.campaign)) ? textOf(req.query.campaign) : "general";
    const base = tipLineUrl(ctx, req);
    const target = district ? `${base}/report?district=${encodeURIComponent(district.code)}` : `${base}/`;
    // A QR code for 127.0.0.1 or a LAN address would be printed and pasted on walls, leading nowhere.
    const refused = !isPublicUrl(base);
    // qrSvg draws modules as <path> geometry from our own URL; the xmlns URL is
    // dropped (not needed inside HTML) so the page names no address but ours.
    const qr = refused ? null : (await qrSvg(target)).replace(/\s*xmlns="[^"]*"/, "").replace("<svg", '<svg class="poster-qr" role="img" aria-labelledby="poster-qr-label"');
    const other = new URLSearchParams({ ...(district ? { district: district.code } : {}), campaign, ...(langOf(res) === "vi" ? { lang: "en" } : {}) });
    res.render("staff/reports/poster.njk", {
      qr, target, refused, publicUrl: ctx.config.publicUrl ?? null, district, campaign, campaigns: CAMPAIGNS, districts: tree.districts,
      tVi: translator("vi"),
      back: `/staff${res.locals.langQuery as string}`,
      backHome: true,
      langHref: `/staff/posters?${other}`,
    });
  });

  return router;
}
