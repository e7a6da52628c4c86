/**
 * The public pages: home, the report form and its answer, and the follow-up
 * page. Server-rendered, no JavaScript needed, every string from the locale
 * files. The form posts multipart (photos) to POST /report, which shares the
 * validator and the tip creator with the JSON API.
 */
import { formBody } from "../../middlewares/bodies.js";
import { Router, type Request, type Response } from "express";
import { listHelpServices } from "../../help/directory.js";
import type { AppContext } from "../../context.js";
import { isCrossSite, formTokenLapse, issueFormToken } from "../../middlewares/formToken.js";
import { setLocale } from "../../middlewares/locale.js";
import { tipLimits } from "../../middlewares/rateLimit.js";
import { noStore } from "../../middlewares/securityHeaders.js";
import { toHttpError, translateField } from "../../middlewares/errorHandler.js";
import { forbidden, isStoreUnavailable, notReady, RETRY_AFTER_SECONDS } from "../../errors.js";
import { pickLocale } from "../../i18n/index.js";
import { CATEGORIES } from "../../validation/tip.js";
import { acceptTipOnce, runUpload } from "../../flows/tipIntake.js";
import { hasRecoveryKey, intakeKeys } from "../../tips/intakeRecipients.js";

const FORM_FIELDS = ["category", "districtCode", "communeCode", "location", "observedAt", "description", "urgent", "sharePhotoLocation", "contact"] as const;

const isOpen = (ctx: AppContext): Promise<boolean> => hasRecoveryKey(ctx.database.db);

/**
 * The same question on the intake path, from the intake cache (no round trip
 * once the recovery key is known; a missing key is never cached). createTip
 * checks the key again in its INSERT, so a stale answer still ends in 503.
 */
async function isOpenForIntake(ctx: AppContext): Promise<boolean> {
  return (await intakeKeys(ctx.database)) !== null;
}

/** Render the report form with the typed values kept and the messages translated. */
/** The report form; `token`: the one just posted, kept when a further tap must count as a repeat of that post. */
async function renderForm(ctx: AppContext, res: Response, status: number, values: Record<string, unknown>, errors: Record<string, string>, token?: string) {
  const t = res.locals.t as (k: string, p?: Record<string, string | number>) => string;
  const tree = await ctx.units.tree();
  const kept = Object.fromEntries(FORM_FIELDS.map((f) => [f, typeof values[f] === "string" ? values[f] : ""]));
  res.status(status).render("report.njk", {
    form: {
      token: token ?? issueFormToken(ctx),
      values: { ...kept, urgent: values.urgent === "true", sharePhotoLocation: values.sharePhotoLocation === "true" },
      errors: Object.fromEntries(Object.entries(errors).map(([k, v]) => [k, translateField(t, v)])),
    },
    categories: CATEGORIES.map((value) => ({ value })),
    districts: tree.districts,
    maxPhotos: ctx.config.limits.maxPhotos,
    maxPhotoMb: Math.round(ctx.config.limits.maxPhotoBytes / 1024 / 1024),
    maxPhotoBytes: ctx.config.limits.maxPhotoBytes,
  });
}

export function publicPages(ctx: AppContext): Router {
  const router = Router();
  router.use(noStore);

  router.get("/", (_req, res) => void res.render("home.njk"));

  // The help services directory, public, without JavaScript; ?district= narrows it (province-wide ones stay).
  router.get("/help-services", async (req: Request, res: Response) => {
    const tree = await ctx.units.tree();
    const asked = typeof req.query.district === "string" ? req.query.district : "";
    const district = tree.districts.find((d) => d.code === asked)?.code;
    const names = new Map(tree.districts.map((d) => [d.code, d.name]));
    const services = (await listHelpServices(ctx.database.db, { districtCode: district })).map((h) => ({
      ...h,
      wholeProvince: h.districtCode === null,
      districtName: h.districtCode ? names.get(h.districtCode) : null,
    }));
    res.render("public/helpServices.njk", { services, districts: tree.districts, district: district ?? "" });
  });

  router.get("/report", async (req: Request, res: Response) => {
    if (!(await isOpen(ctx))) throw notReady();
    const preset = typeof req.query.district === "string" ? { districtCode: req.query.district } : {};
    await renderForm(ctx, res, 200, preset, {});
  });

  router.post("/report", formBody("64kb"), ...tipLimits(ctx), async (req: Request, res: Response) => {
    if (isCrossSite(req)) throw forbidden();
    const uploadError = req.is("multipart/form-data") ? await runUpload(ctx, req, res) : null;
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (body.lang === "en" || body.lang === "vi") setLocale(res, req, pickLocale(body.lang));
    if (uploadError) {
      const http = toHttpError(uploadError, ctx.config.limits.maxPhotoBytes / 1024 / 1024, ctx.config.limits.maxPhotos);
      if (!http?.fields) throw uploadError;
      return renderForm(ctx, res, http.status, body, http.fields);
    }
    try {
      if (!(await isOpenForIntake(ctx))) throw notReady();
      const { formToken, lang: _lang, ...fields } = body;
      const claimUntil = formTokenLapse(ctx, formToken);
      if (claimUntil === null) return renderForm(ctx, res, 400, body, { formToken: "errors.form_expired" });
      const once = { ns: "form" as const, token: formToken as string, claimUntil };
      const result = await acceptTipOnce(ctx, once, fields, (req.files as Express.Multer.File[] | undefined) ?? []);
      if (result.kind === "invalid") return renderForm(ctx, res, 400, body, result.fields);
      if (result.kind === "used") return renderForm(ctx, res, 400, body, { formToken: "errors.form_expired" });
      if (result.kind === "pending") {
        res.setHeader("Retry-After", String(RETRY_AFTER_SECONDS));
        // The same token: one more tap while the first is still being processed is a repeat of it, not a second tip.
        return renderForm(ctx, res, 409, body, { _: "errors.still_sending" }, once.token);
      }
      // The first post and a repeat of it (a second tap, a reload) end on the same receipt page.
      res.status(201).render("receipt.njk", { receipt: result.receipt, isHelpRequest: result.helpRequest });
    } catch (err) {
      if (!isStoreUnavailable(err)) throw err;
      // PostgreSQL is down: nothing was stored. The form comes back with what was typed and says so; the tipster sends again.
      res.setHeader("Retry-After", String(RETRY_AFTER_SECONDS));
      return renderForm(ctx, res, 503, body, { _: "errors.store_unavailable" });
    }
  });

  return router;
}
