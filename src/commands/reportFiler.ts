/**
 * Filing a report in the Youth Union's format: the text written for it and a
 * snapshot of its figures are kept together, so a report filed for March
 * reads the same when it is reopened after a late tip.
 * Policy: the province's report is an administrator's; a district's report
 * its liaison's or an administrator's. Two snapshots are kept: the exact
 * figures, and the figures as supervisors may see them (the small-number rule
 * with today's threshold), so nobody ever reads more than their role allows.
 */
import { appendAudit } from "../audit/auditLog.js";
import type { AppContext } from "../context.js";
import { savedReports } from "../db/schema.js";
import { invalidInput } from "../errors.js";
import { authorize, type Actor } from "../policies/index.js";
import type { Period } from "../stats/periods.js";
import { reportData, type WrittenReport } from "../stats/reportData.js";

export interface FileReport extends WrittenReport {
  period: Period;
  districtCode?: string;
  category?: string;
  reportType: "periodic" | "thematic" | "adhoc";
}

export async function fileReport(ctx: AppContext, actor: Actor, input: FileReport): Promise<{ id: string }> {
  authorize(actor, "report.file", { districtCode: input.districtCode ?? null });
  // A periodic report is a month, quarter, six months or year; any other stretch of days is thematic or ad hoc.
  if (input.reportType === "periodic" && input.period.kind === "custom") throw invalidInput("invalid_report", { reportType: "errors.report_custom_needs_type" });
  if (input.reportType !== "periodic" && !input.subject) throw invalidInput("invalid_report", { subject: "errors.required" });
  const q = { period: input.period, districtCode: input.districtCode, category: input.category, communeTables: true };
  const threshold = ctx.config.reports.smallNumberThreshold;
  const [exact, suppressed] = await Promise.all([
    reportData(ctx, { ...q, suppression: { threshold: 0, key: ctx.keys.suppression } }),
    reportData(ctx, { ...q, suppression: { threshold, key: ctx.keys.suppression } }),
  ]);
  const kind = input.reportType === "periodic" ? input.period.kind : input.reportType;
  return ctx.database.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(savedReports)
      .values({
        kind,
        periodFrom: input.period.from,
        periodTo: input.period.to,
        periodLabel: input.period.label,
        districtCode: input.districtCode ?? null,
        category: input.category ?? null,
        number: input.number,
        place: input.place,
        issuedOn: input.issuedOn,
        subject: input.subject,
        assessment: input.assessment,
        nextSteps: input.nextSteps,
        signerTitle: input.signerTitle,
        signerName: input.signerName,
        recipients: input.recipients,
        figures: exact as unknown as Record<string, unknown>,
        figuresSuppressed: suppressed as unknown as Record<string, unknown>,
        threshold,
        createdBy: actor.id,
      })
      .returning({ id: savedReports.id });
    await appendAudit(tx, {
      actorId: actor.id,
      action: "report.filed",
      subjectType: "report",
      subjectId: row!.id,
      districtCode: input.districtCode ?? null,
      details: { kind, period: input.period.label, category: input.category ?? null, number: input.number },
    });
    return { id: row!.id };
  });
}
