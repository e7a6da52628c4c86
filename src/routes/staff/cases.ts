/**
 * The staff case pages (server-rendered, Vietnamese first, no JavaScript needed):
 *   GET  /staff/cases                        the inbox (filters, pagination; never tip content)
 *   GET  /staff/cases/:id                    one case: fields, decrypted content, history, deadlines, actions
 *   GET  /staff/cases/:id/photos/:photoId    one photo, decrypted for this session only (no-store)
 *   POST /staff/cases/:id/:action            one transition through runTransition, then back to the case
 * What the pages print is shaped by presenters/casePagePresenter.ts; one's
 * notifications are in ./notifications.ts, the queue and coverage pages of the
 * administrators in ./adminOperations.ts.
 * Each step: session → form body → CSRF (field _csrf) → policy (in the command) → redirect 303.
 */
import { Router, type Request, type Response } from "express";
import { caseHistory, loadCase, allowedTransitions } from "../../cases/caseView.js";
import { openCaseContent } from "../../commands/caseContentOpener.js";
import { duplicateSuggestions, listCases, unreadAmong, unreadCases } from "../../cases/caseQueries.js";
import { unitForCase } from "../../cases/coverageRules.js";
import { HELP_OUTCOMES, NOT_ACTIONABLE_REASONS, POLICE_OUTCOMES, RULES, STATUSES, TRIAGE_OUTCOMES } from "../../cases/workflow.js";
import type { TipRow } from "../../db/rows.js";
import { markCaseNotificationsRead } from "../../commands/notificationsReader.js";
import type { AppContext } from "../../context.js";
import { HttpError } from "../../errors.js";
import type { Locale, Translate } from "../../i18n/index.js";
import { translateField } from "../../middlewares/errorHandler.js";
import { noStore } from "../../middlewares/securityHeaders.js";
import { requireCsrf, requireStaff, staffOf } from "../../middlewares/staffSession.js";
import { authorize, authorizeCase, canOnCase, type Actor } from "../../policies/index.js";
import { activePoliceUnits, policeUnitName } from "../../policeUnits/policeUnitQueries.js";
import { caseRef, presentCasePage, presentInboxRow } from "../../presenters/casePagePresenter.js";
import { keyHoldersWhoMayGrant } from "../../staff/pendingAccessQueries.js";
import { assigneeChoices, staffEmails } from "../../staff/staffQueries.js";
import { caseListSchema, caseNoteSchema, revealContactSchema, staffMessageSchema, transitionSchemas, type TransitionName } from "../../validation/cases.js";
import { parseOrThrow, textOf, uuidOr404, validate } from "../../validation/parse.js";
import { CATEGORIES } from "../../validation/tip.js";
import { runTransition } from "../../flows/caseTransitions.js";
import { sendCasePhoto } from "../../flows/photoDownload.js";
import { formBody, pageLocals, placeNames, seeOther } from "./forms.js";
import { sendStaffMessage } from "../../commands/staffMessageCreator.js";
import { revealContact } from "../../commands/contactRevealer.js";
import { addCaseNote } from "../../commands/caseNoteWriter.js";
import { casePlacesBox } from "./places.js";

const FILTER_KEYS = ["status", "category", "districtCode", "communeCode", "urgent", "overdue", "assigneeId"] as const;

/** What went wrong with one action form, shown next to that form. */
interface Failure {
  /** The form that failed: the action, or "extend" for the verify form that extends. */
  form: string;
  /** "<form>-<field>" → translated message. */
  errors: Record<string, string>;
  message: string;
  values: Record<string, string>;
}

async function renderInbox(ctx: AppContext, req: Request, res: Response) {
  const { actor } = staffOf(res);
  authorize(actor, "case.list");
  const lang = res.locals.lang as Locale;
  const parsed = validate(caseListSchema, req.query);
  const f = parsed.ok ? parsed.value : { page: 1, pageSize: 25 };
  const [{ rows, total }, where, assignees] = await Promise.all([listCases(ctx.database.db, actor, f), placeNames(ctx), actor.role === "police" ? [] : assigneeChoices(ctx.database.db, actor.districtCode)]);
  const [emails, unread, unreadTotal] = await Promise.all([
    staffEmails(ctx.database.db, rows.map((r) => r.assigneeId)),
    unreadAmong(ctx.database.db, actor, rows.map((r) => r.id)),
    unreadCases(ctx.database.db, actor, 0).then((u) => u.total),
  ]);
  // The filters as typed, kept in the form and in the page links.
  const values: Record<string, string> = {};
  for (const k of FILTER_KEYS) if (parsed.ok && typeof req.query[k] === "string") values[k] = req.query[k] as string;
  const link = (page: number) => {
    const q = new URLSearchParams({ ...values, ...(page > 1 ? { page: String(page) } : {}), ...(f.pageSize !== 25 ? { pageSize: String(f.pageSize) } : {}), ...(lang === "vi" ? {} : { lang }) });
    const s = q.toString();
    return `/staff/cases${s ? `?${s}` : ""}`;
  };
  const pages = Math.max(1, Math.ceil(total / f.pageSize));
  const t = res.locals.t as Translate;
  res.status(parsed.ok ? 200 : 400).render("staff/cases/inbox.njk", {
    rows: rows.map((r) => ({ ...presentInboxRow(r, where.name, emails), unread: unread.has(r.id) })),
    total,
    unreadTotal,
    activeFilters: Object.keys(values).length,
    page: f.page,
    pages,
    prevHref: f.page > 1 ? link(f.page - 1) : null,
    nextHref: f.page < pages ? link(f.page + 1) : null,
    values,
    errors: parsed.ok ? {} : Object.fromEntries(Object.entries(parsed.fields).map(([k, v]) => [k, translateField(t, v)])),
    statuses: ["open", ...STATUSES],
    categories: CATEGORIES,
    districts: actor.districtCode ? where.tree.districts.filter((d) => d.code === actor.districtCode) : where.tree.districts,
    assignees,
    showAssignee: actor.role !== "police",
  });
}

/** The action forms this person may use now, with what each needs (people, units, outcomes). */
async function actionForms(ctx: AppContext, actor: Actor, tip: TipRow) {
  const allowed = new Set(allowedTransitions(actor, tip));
  const help = tip.category === "help_request";
  const forward = allowed.has("forward") && !help;
  const [assignees, units, ruleUnitId] = await Promise.all([
    allowed.has("assign") ? assigneeChoices(ctx.database.db, tip.districtCode) : [],
    forward ? activePoliceUnits(ctx.database.db) : [],
    forward ? unitForCase(ctx.database.db, tip) : null,
  ]);
  // The one-tap path for the common case: triage as actionable and send to the rule's unit at once.
  const quick = allowed.has("triage") && !help && canOnCase(actor, "case.forward", tip);
  const [quickUnits, quickRule] = quick ? await Promise.all([activePoliceUnits(ctx.database.db), unitForCase(ctx.database.db, tip)]) : [[], null];
  const forms = {
    triageForward: quick ? { units: quickUnits, selected: quickRule, ruleUnitId: quickRule } : null,
    assign: allowed.has("assign") ? { assignees } : null,
    triage: allowed.has("triage") ? { outcomes: TRIAGE_OUTCOMES, reasonCodes: NOT_ACTIONABLE_REASONS } : null,
    forward: forward ? { units, selected: tip.forwardedUnitId ?? ruleUnitId, ruleUnitId } : null,
    acknowledge: allowed.has("acknowledge"),
    verify: allowed.has("verify"),
    extend: allowed.has("extend") && !tip.verifyExtended,
    resolve: allowed.has("resolve") && !help ? { outcomes: POLICE_OUTCOMES } : null,
    refer: allowed.has("refer") && help ? { outcomes: HELP_OUTCOMES } : null,
    close: allowed.has("close"),
    reopen: allowed.has("reopen"),
  };
  return { ...forms, any: Object.values(forms).some(Boolean) };
}

async function renderCase(ctx: AppContext, res: Response, id: string, status = 200, failure?: Failure, revealedContact?: string, done?: string) {
  const staff = staffOf(res);
  const { actor } = staff;
  const t = res.locals.t as Translate;
  const tip = await loadCase(ctx, id);
  authorizeCase(actor, "case.view", tip);
  const content = await openCaseContent(ctx, actor, staff.session.privateKey, tip);
  // Without the key there is nothing to decide on: no actions, and who can give the key.
  const locked = !content && !tip.purgedAt;
  const [history, duplicates, where, forms, policeUnit, grantors] = await Promise.all([
    caseHistory(ctx, id),
    duplicateSuggestions(ctx.database.db, actor, tip),
    placeNames(ctx),
    locked ? { any: false } : actionForms(ctx, actor, tip),
    policeUnitName(ctx.database.db, tip.forwardedUnitId),
    locked ? keyHoldersWhoMayGrant(ctx.database.db, tip, actor.id) : [],
  ]);
  const placesBox = locked ? null : await casePlacesBox(ctx, actor, staff.session.privateKey, tip, t);
  const emails = await staffEmails(ctx.database.db, [tip.assigneeId, ...history.map((h) => h.actorId), ...(content?.notes ?? []).map((n) => n.authorId)]);
  // Opening the case reads its notifications.
  await markCaseNotificationsRead(ctx, actor, id);
  const doneKey = done && /^[a-z_-]{1,40}$/.test(done) ? `cases.done.${done}` : null;
  const flash = doneKey && t(doneKey) !== doneKey ? t(doneKey) : null;
  res.status(status).render("staff/cases/case.njk", {
    ...presentCasePage({ tip, content, history, duplicates, policeUnit, name: where.name, emails, t }),
    forms,
    locked,
    grantors,
    // Talking with the tipster, and the contact they chose to leave (shown only after a reason, audited).
    messaging: !!content && tip.status !== "closed" && canOnCase(actor, "case.messageTipster", tip),
    canAsk: (RULES.triage.from as readonly string[]).includes(tip.status),
    contactReveal: !!content?.hasContact && canOnCase(actor, "case.revealContact", tip),
    revealedContact: revealedContact ?? null,
    failure: failure ?? null,
    flash,
    doneNote: done === "note",
    placesBox,
    csrf: staff.session.record.csrf,
  });
}

/** The police result once more, before it is recorded: what will be written, with "confirm" and "change". */
async function renderResultConfirmation(ctx: AppContext, res: Response, id: string, b: Record<string, unknown>) {
  const staff = staffOf(res);
  const tip = await loadCase(ctx, id);
  authorizeCase(staff.actor, "case.resolve", tip);
  const fields = ["outcome", "note", "plantsDestroyed", "areaM2", "peopleHandled", "seizedGrams", "version"] as const;
  const values = Object.fromEntries(fields.filter((k) => b[k] !== undefined && b[k] !== "").map((k) => [k, String(b[k])]));
  res.render("staff/cases/confirmResult.njk", { c: { id, ref: caseRef(id) }, values, csrf: staff.session.record.csrf });
}

/** A rejected transition (400 fields, 409 conflict or illegal move) as the message shown by its form. */
function failureOf(err: HttpError, action: string, body: Record<string, unknown>, t: Translate): Failure {
  const form = action === "verify" && body.extend === "true" ? "extend" : action;
  const extra = err.extra?.currentStatus ? { ...err.extra, currentStatus: t(`cases.status.${err.extra.currentStatus}`) } : err.extra;
  const errors = Object.fromEntries(Object.entries(err.fields ?? {}).map(([k, v]) => [`${form}-${k}`, translateField(t, v)]));
  const values = Object.fromEntries(["text", "reason", "duplicateOfId", "reasonCode", "outcome", "assigneeId", "policeUnitId", "note", "plantsDestroyed", "areaM2", "peopleHandled", "seizedGrams"].filter((k) => typeof body[k] === "string").map((k) => [k, body[k] as string]));
  return { form, errors, message: t(err.messageKey, extra), values };
}

export function staffCasePages(ctx: AppContext): Router {
  const router = Router();
  router.use("/staff/cases", noStore, requireStaff, formBody, requireCsrf, pageLocals);

  router.get("/staff/cases", (req: Request, res: Response) => renderInbox(ctx, req, res));

  router.get("/staff/cases/:id", (req: Request, res: Response) => renderCase(ctx, res, uuidOr404(req.params.id), 200, undefined, undefined, textOf(req.query.done) || undefined));

  router.get("/staff/cases/:id/photos/:photoId", async (req: Request, res: Response) => {
    await sendCasePhoto(ctx, res, uuidOr404(req.params.id), uuidOr404(req.params.photoId));
  });

  router.post("/staff/cases/:id/:action", async (req: Request, res: Response, next) => {
    const action = req.params.action as string;
    const id = uuidOr404(req.params.id);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const t = res.locals.t as Translate;
    // Every success lands back on the case with a line saying what was done (no JavaScript needed).
    const done = (what: string) => seeOther(res, `/staff/cases/${id}`, { done: what });
    if (action === "message" || action === "contact" || action === "note") {
      const staff = staffOf(res);
      try {
        if (action === "message") {
          const b = parseOrThrow(staffMessageSchema, body, "invalid_message");
          await sendStaffMessage(ctx, staff.actor, id, b.text, b.purpose, b.version);
        } else if (action === "note") {
          const b = parseOrThrow(caseNoteSchema, body, "invalid_note");
          await addCaseNote(ctx, staff.actor, id, b.text);
        } else {
          const b = parseOrThrow(revealContactSchema, body, "invalid_reveal");
          return renderCase(ctx, res, id, 200, undefined, await revealContact(ctx, staff.actor, staff.session.privateKey, id, b.reason));
        }
      } catch (err) {
        if (!(err instanceof HttpError) || (err.status !== 400 && err.status !== 409)) throw err;
        return renderCase(ctx, res, id, err.status, failureOf(err, action, body, t));
      }
      return done(action === "message" && body.purpose === "question" ? "question" : action);
    }
    if (!Object.hasOwn(transitionSchemas, action)) return next();
    try {
      // A police result is recorded only after the person has seen it once more.
      if (action === "resolve" && body.confirm !== "yes") {
        const b = parseOrThrow(transitionSchemas.resolve, body, "invalid_transition");
        if ((POLICE_OUTCOMES as readonly string[]).includes(b.outcome)) return renderResultConfirmation(ctx, res, id, b);
      }
      await runTransition(ctx, res, id, action as TransitionName, body);
    } catch (err) {
      if (!(err instanceof HttpError) || (err.status !== 400 && err.status !== 409)) throw err;
      return renderCase(ctx, res, id, err.status, failureOf(err, action, body, t));
    }
    const b = body as { outcome?: string; extend?: string };
    done(action === "triage" && typeof b.outcome === "string" ? `triage_${b.outcome}` : action === "verify" && b.extend === "true" ? "extend" : action);
  });

  return router;
}
