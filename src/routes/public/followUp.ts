/**
 * The tipster's follow-up pages (no JavaScript needed):
 *   GET/POST /follow-up            type the receipt
 *   GET      /follow-up/tip        status, what they sent, conversation, reply form
 *   GET      /follow-up/photos/:id one of their own photos, decrypted with the receipt's key (no-store)
 *   POST     /follow-up/messages   text and photos (multipart), once per form token
 *   POST     /follow-up/logout
 * Forms after sign-in carry the session's token; cross-site posts are refused.
 * The reply form also carries a single-use form token (middlewares/formToken.ts),
 * so a second tap or a reload stores the message once and ends on the same page.
 */
import { formBody } from "../../middlewares/bodies.js";
import { Router, type Request, type Response } from "express";
import type { AppContext } from "../../context.js";
import { forbidden, isStoreUnavailable, notFound, RETRY_AFTER_SECONDS } from "../../errors.js";
import { textOf, uuidOr404 } from "../../validation/parse.js";
import { formatDateTime, formatIsoDay } from "../../i18n/format.js";
import { formTokenLapse, isCrossSite, issueFormToken } from "../../middlewares/formToken.js";
import { messageLimits, receiptLimits } from "../../middlewares/rateLimit.js";
import { noStore } from "../../middlewares/securityHeaders.js";
import { readCookie } from "../../middlewares/staffSession.js";
import { requireTipster, tipsterCookieOptions, tipsterOf } from "../../middlewares/tipsterSession.js";
import { translateField, toHttpError } from "../../middlewares/errorHandler.js";
import { constantTimeEqual, utf8 } from "../../crypto/index.js";
import type { Locale } from "../../i18n/index.js";
import { TIPSTER_COOKIE } from "../../sessions/sessionStore.js";
import { tipsterPhoto, tipsterView } from "../../tipster/tipsterView.js";
import { runUpload } from "../../flows/tipIntake.js";
import { sendPhoto } from "../../flows/photoDownload.js";
import { postTipsterMessageOnce, receiptSignIn, type ReplyResult } from "../../flows/tipsterFlow.js";

type T = (k: string, p?: Record<string, string | number>) => string;

/** dd/mm/yyyy HH:mm in Vietnam time, the same for tipsters and staff (src/i18n/format.ts). */
function hourLabel(iso: string, _lang?: Locale): string {
  return formatDateTime(new Date(iso));
}

/** What the reply form needs (_replyForm.njk); `formToken`: the one just posted, kept when a further tap must count as a repeat of that post. */
function replyForm(ctx: AppContext, res: Response, errors: Record<string, string>, values: Record<string, unknown>, formToken?: string) {
  const t = res.locals.t as T;
  return {
    csrf: tipsterOf(res).csrf,
    formToken: formToken ?? issueFormToken(ctx),
    errors: Object.fromEntries(Object.entries(errors).map(([k, v]) => [k, translateField(t, v)])),
    values: { text: textOf(values.text) },
    maxPhotos: ctx.config.limits.maxPhotos,
    maxPhotoMb: Math.round(ctx.config.limits.maxPhotoBytes / 1024 / 1024),
    maxPhotoBytes: ctx.config.limits.maxPhotoBytes,
  };
}

/** The follow-up page: the tip as the tipster may see it, the conversation and the reply form. */
async function renderTip(
  ctx: AppContext,
  res: Response,
  status: number,
  errors: Record<string, string> = {},
  values: Record<string, unknown> = {},
  formToken?: string,
) {
  const s = tipsterOf(res);
  const lang = res.locals.lang as Locale;
  const view = await tipsterView(ctx, s.tipId, s.privateKey, lang);
  res.status(status).render("followUpTip.njk", {
    view: {
      ...view,
      messages: view.messages.map((m) => ({ ...m, hourLabel: hourLabel(m.hour, lang) })),
      report: view.report && { ...view.report, observedAt: view.report.observedAt ? formatIsoDay(view.report.observedAt) : undefined },
    },
    ...replyForm(ctx, res, errors, values, formToken),
  });
}

function checkTipsterForm(req: Request, res: Response): void {
  const sent = (req.body as Record<string, unknown> | undefined)?._csrf;
  if (isCrossSite(req) || typeof sent !== "string" || !constantTimeEqual(utf8.encode(sent), utf8.encode(tipsterOf(res).csrf))) throw forbidden();
}

export function followUpPages(ctx: AppContext): Router {
  const router = Router();
  router.use("/follow-up", noStore);
  const form = formBody("8kb");

  router.get("/follow-up", (_req, res) => {
    if (res.locals.tipster) return res.redirect(303, `/follow-up/tip${res.locals.langQuery}`);
    res.render("followUp.njk", { form: { values: { receipt: "" }, errors: {} } });
  });

  router.post("/follow-up", ...receiptLimits(ctx), form, async (req: Request, res: Response) => {
    if (isCrossSite(req)) throw forbidden();
    const receipt = String((req.body as Record<string, unknown>)?.receipt ?? "").slice(0, 64);
    if (await receiptSignIn(ctx, req, res, receipt)) return res.redirect(303, `/follow-up/tip${res.locals.langQuery}`);
    const t = res.locals.t as T;
    res.status(401).render("followUp.njk", { form: { values: { receipt: "" }, errors: { receipt: t("errors.invalid_receipt") } } });
  });

  router.get("/follow-up/tip", requireTipster, async (_req: Request, res: Response) => renderTip(ctx, res, 200));

  router.get("/follow-up/photos/:id", requireTipster, async (req: Request, res: Response) => {
    const id = uuidOr404(req.params.id);
    const s = tipsterOf(res);
    if (!s.privateKey) throw notFound();
    sendPhoto(res, await tipsterPhoto(ctx, s.tipId, s.privateKey, id));
  });

  router.post("/follow-up/messages", requireTipster, ...messageLimits(ctx), async (req: Request, res: Response) => {
    const uploadError = req.is("multipart/form-data") ? await runUpload(ctx, req, res) : "not multipart";
    if (uploadError) {
      const http = toHttpError(uploadError, ctx.config.limits.maxPhotoBytes / 1024 / 1024, ctx.config.limits.maxPhotos);
      if (!http?.fields) throw http ?? uploadError;
      checkTipsterForm(req, res);
      return renderTip(ctx, res, http.status, http.fields, req.body as Record<string, unknown>);
    }
    checkTipsterForm(req, res);
    const { _csrf: _c, lang: _l, formToken, ...body } = req.body as Record<string, unknown>;
    const claimUntil = formTokenLapse(ctx, formToken);
    if (claimUntil === null) return renderTip(ctx, res, 400, { formToken: "errors.reply_form_expired" }, body);
    const once = { via: "form" as const, token: formToken as string, claimUntil };
    let result: ReplyResult;
    try {
      result = await postTipsterMessageOnce(ctx, res, once, body, (req.files as Express.Multer.File[] | undefined) ?? []);
    } catch (err) {
      if (!isStoreUnavailable(err)) throw err;
      // PostgreSQL is away: nothing was stored and the token was freed. The tip's page cannot be read either, so
      // the reply form comes back alone, with what was typed and the same token; the tipster sends it again later.
      res.setHeader("Retry-After", String(RETRY_AFTER_SECONDS));
      return res.status(503).render("followUpUnavailable.njk", replyForm(ctx, res, { _: "errors.store_unavailable_message" }, body, once.token));
    }
    if (result.kind === "invalid") return renderTip(ctx, res, 400, result.fields, body);
    if (result.kind === "pending") {
      res.setHeader("Retry-After", String(RETRY_AFTER_SECONDS));
      // The same token: one more tap while the first is still being processed is a repeat of it, not a second message.
      return renderTip(ctx, res, 409, { _: "errors.message_still_sending" }, body, once.token);
    }
    // The first post and a repeat of it (a second tap, a reload) end on the same page, with the message shown once.
    res.redirect(303, `/follow-up/tip${res.locals.langQuery}`);
  });

  router.post("/follow-up/logout", form, async (req: Request, res: Response) => {
    if (isCrossSite(req)) throw forbidden();
    await ctx.tipsterSessions.destroy(readCookie(req, TIPSTER_COOKIE));
    res.clearCookie(TIPSTER_COOKIE, tipsterCookieOptions(ctx));
    res.redirect(303, `/${res.locals.langQuery}`);
  });

  return router;
}
