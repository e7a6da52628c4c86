/**
 * Reports filed in the Youth Union's format:
 *   GET  /staff/reports            the reports this person may read, and the form to file one
 *   POST /staff/reports            file one (text + a snapshot of the figures) → its page
 *   GET  /staff/reports/:id        a filed report, printable (A4), as filed — late tips change nothing
 * Filing is the command reportFiler (policy "report.file", audited); reading
 * follows the statistics' scope rule, and supervisors read the suppressed snapshot.
 */
import { Router, type Request, type Response } from "express";
import { fileReport } from "../../commands/reportFiler.js";
import type { AppContext } from "../../context.js";
import { HttpError, notFound } from "../../errors.js";
import type { Locale } from "../../i18n/index.js";
import { formatDate, formatIsoDay } from "../../i18n/format.js";
import { formBody as urlencodedBody } from "../../middlewares/bodies.js";
import { noStore } from "../../middlewares/securityHeaders.js";
import { requireCsrf, requireStaff, staffOf } from "../../middlewares/staffSession.js";
import { authorize, can } from "../../policies/index.js";
import { listSavedReports, savedReport, snapshotForActor } from "../../stats/savedReports.js";
import { requirePeriodAllowed } from "../../stats/statsAccess.js";
import { uuidParam, validate } from "../../validation/parse.js";
import { fileReportSchema } from "../../validation/reports.js";
import { periodOf, printOptionsSchema, scopeOf } from "../../validation/stats.js";
import { CATEGORIES } from "../../validation/tip.js";
import { fieldsOf, isFieldError, langOf, pageLocals, seeOther, textOf, translateFields, translatorOf } from "./forms.js";
import { documentOf, presentReport, printControls } from "../../presenters/reportPresenter.js";
import { periodName } from "../../reports/periodNames.js";
import { withoutEmptyCommunes } from "../../reports/printTable.js";

const OFFSET_MS = 7 * 3_600_000;
const today = () => new Date(Date.now() + OFFSET_MS).toISOString().slice(0, 10);
const FIELDS = ["period", "from", "to", "scope", "category", "reportType", "number", "place", "issuedOn", "subject", "assessment", "nextSteps", "signerTitle", "signerName", "recipients"];

async function renderList(ctx: AppContext, res: Response, status: number, view: { values?: Record<string, unknown>; errors?: Record<string, string> } = {}) {
  const { actor } = staffOf(res);
  const t = translatorOf(res);
  const tree = await ctx.units.tree();
  const names = new Map(tree.districts.map((d) => [d.code, d.name]));
  // District-bound people read their district's reports; province-wide people every report.
  const rows = await listSavedReports(ctx.database.db, actor.role === "admin" || !actor.districtCode ? {} : { districtCode: actor.districtCode });
  const reports = rows.map((r) => ({
    id: r.id,
    number: r.number,
    kind: t(`savedReports.kinds.${r.kind}`),
    period: periodName(t, { from: r.periodFrom, to: r.periodTo, label: r.periodLabel, kind: r.kind === "thematic" || r.kind === "adhoc" ? "custom" : (r.kind as "month") }),
    subject: r.subject,
    scope: r.districtCode ? (names.get(r.districtCode) ?? r.districtCode) : t("dashboard.scope.province"),
    issuedOn: formatIsoDay(r.issuedOn),
  }));
  const scopes = [
    ...(can(actor, "report.file", { districtCode: null }) ? [{ value: "province", label: t("dashboard.scope.province") }] : []),
    ...tree.districts.filter((d) => can(actor, "report.file", { districtCode: d.code })).map((d) => ({ value: `district:${d.code}`, label: d.name })),
  ];
  const values = Object.fromEntries(FIELDS.map((k) => [k, textOf(view.values?.[k])]));
  values.issuedOn ||= today();
  values.reportType ||= "periodic";
  if (!values.scope && scopes.length === 1) values.scope = scopes[0]!.value;
  res.status(status).render("staff/reports/savedReports.njk", { reports, scopes, values, errors: view.errors ?? {}, categories: CATEGORIES });
}

/** A filed report's downloads: its snapshot as CSV (";" and ",") and XLSX. */
function savedExportLinks(id: string, q: URLSearchParams) {
  const comma = new URLSearchParams(q);
  comma.set("sep", "comma");
  const base = `/api/v1/reports/saved/${id}`;
  const qs = q.size ? `?${q}` : "";
  return { csv: `${base}.csv${qs}`, csvComma: `${base}.csv?${comma}`, xlsx: `${base}.xlsx${qs}` };
}

export function savedReportPages(ctx: AppContext): Router {
  const router = Router();
  // The assessment and next steps may be long Vietnamese text (each letter up to 9 bytes url-encoded).
  router.use(["/staff/reports"], noStore, urlencodedBody("512kb"), requireStaff, requireCsrf, pageLocals);

  router.get("/staff/reports", async (req: Request, res: Response) => {
    authorize(staffOf(res).actor, "stats.view");
    await renderList(ctx, res, 200, { values: req.query as Record<string, unknown> });
  });

  router.post("/staff/reports", async (req: Request, res: Response) => {
    const { actor } = staffOf(res);
    authorize(actor, "report.file");
    const body = fieldsOf(req, res);
    const parsed = validate(fileReportSchema, Object.fromEntries(Object.entries(body).filter(([, v]) => v !== "")));
    if (!parsed.ok) return renderList(ctx, res, 400, { values: body, errors: translateFields(res, parsed.fields) });
    const v = parsed.value;
    const period = periodOf(v);
    if (!period) return renderList(ctx, res, 400, { values: body, errors: translateFields(res, { period: "errors.invalid_period" }) });
    try {
      requirePeriodAllowed(ctx, actor, period);
      const { districtCode } = scopeOf(v.scope);
      const { id } = await fileReport(ctx, actor, { ...v, period, districtCode, category: v.category });
      seeOther(res, `/staff/reports/${id}`);
    } catch (err) {
      if (isFieldError(err)) return renderList(ctx, res, 400, { values: body, errors: translateFields(res, err.fields) });
      throw err;
    }
  });

  router.get("/staff/reports/:id", async (req: Request, res: Response) => {
    const id = uuidParam.safeParse(req.params.id);
    if (!id.success) throw notFound();
    const options = validate(printOptionsSchema, Object.fromEntries(Object.entries({ allCommunes: req.query.allCommunes }).filter(([, v]) => v !== undefined && v !== "")));
    if (!options.ok) throw new HttpError(400, "invalid_query", "errors.invalid_input");
    const r = await savedReport(ctx.database.db, id.data);
    if (!r) throw notFound();
    const data = snapshotForActor(ctx, staffOf(res).actor, r, "stats.view");
    const t = translatorOf(res);
    const lang = langOf(res);
    const other: Locale = lang === "vi" ? "en" : "vi";
    const shown = options.value.allCommunes ? { data, hidden: 0 } : withoutEmptyCommunes(data);
    const q = new URLSearchParams(lang === "vi" ? {} : { lang });
    const otherQuery = new URLSearchParams({ ...(other === "vi" ? {} : { lang: other }), ...(options.value.allCommunes ? { allCommunes: "1" } : {}) });
    res.render("staff/reports/print.njk", {
      report: await presentReport(ctx, t, lang, shown.data),
      doc: { ...(await documentOf(ctx, t, data, r)), savedOn: formatDate(r.createdAt) },
      print: printControls(`/staff/reports/${r.id}`, { lang: lang === "vi" ? "" : lang }, !!options.value.allCommunes, shown.hidden, savedExportLinks(r.id, q)),
      back: `/staff/reports${res.locals.langQuery as string}`,
      langHref: `/staff/reports/${r.id}${otherQuery.size ? `?${otherQuery}` : ""}`,
    });
  });

  return router;
}
