/**
 * What the staff case pages show (the HTML view models, apart from the
 * JSON API's casePresenter.ts): an inbox row, and the case page's case, its
 * decrypted content, history and possible duplicates. The route reads and
 * decides (policy, action forms); this only turns rows into what the
 * templates print: short references, times in Vietnam, place names, e-mails.
 */
import type { CaseContent, caseHistory } from "../cases/caseView.js";
import type { TipRow } from "../db/rows.js";
import { formatDateTime, formatIsoDay } from "../i18n/format.js";
import type { Translate } from "../i18n/index.js";

/** The first 8 characters of a case id: what people read out and type. */
export const caseRef = (id: string) => id.slice(0, 8);

/** A time in Vietnam, dd/mm/yyyy HH:mm (src/i18n/format.ts), whatever the page's language. */
export const when = (d: Date | null | undefined): string | null => (d ? formatDateTime(d) : null);

/** Translate an audit action, or name it plainly when it has no wording yet. */
export function auditLabel(t: Translate, action: string): string {
  const key = `cases.audit.${action.replace(/\./g, "_")}`;
  const text = t(key);
  return text === key ? t("cases.audit.other", { action }) : text;
}

type InboxFields = "id" | "receivedAt" | "category" | "districtCode" | "communeCode" | "urgent" | "status" | "source" | "noLiaison" | "assigneeId" | "deadlineAt" | "deadlineKind";

/** The inbox row: routing fields only. `name` gives a district or commune its name; `emails` staff ids their e-mail. */
export function presentInboxRow(r: Pick<TipRow, InboxFields>, name: (code: string) => string, emails: Map<string, string>) {
  return {
    id: r.id,
    ref: caseRef(r.id),
    received: when(r.receivedAt),
    category: r.category,
    district: name(r.districtCode),
    commune: name(r.communeCode),
    urgent: r.urgent,
    status: r.status,
    source: r.source,
    noLiaison: r.noLiaison,
    assignee: r.assigneeId ? (emails.get(r.assigneeId) ?? null) : null,
    deadline: r.deadlineAt ? { kind: r.deadlineKind, at: when(r.deadlineAt), overdue: r.deadlineAt.getTime() < Date.now() } : null,
  };
}

export interface CasePageData {
  tip: TipRow;
  /** Decrypted content, or null without the key (or once purged). */
  content: CaseContent | null;
  history: Awaited<ReturnType<typeof caseHistory>>;
  duplicates: Array<Pick<TipRow, "id" | "receivedAt" | "status">>;
  /** Name of the police unit the case was forwarded to. */
  policeUnit: string | null;
  name: (code: string) => string;
  emails: Map<string, string>;
  t: Translate;
}

/** The case page's case, content, history and duplicates. */
export function presentCasePage({ tip, content, history, duplicates, policeUnit, name, emails, t }: CasePageData) {
  const message = (m: CaseContent["messages"][number]) => ({ ...m, hourLabel: when(new Date(m.hour)), by: m.authorId ? (emails.get(m.authorId) ?? null) : null });
  const locations = content?.report.photoLocations ?? {};
  return {
    c: {
      ...presentInboxRow(tip, name, emails),
      version: tip.version,
      policeUnit,
      triageOutcome: tip.triageOutcome,
      notActionableReason: tip.notActionableReason,
      duplicateOfId: tip.duplicateOfId,
      duplicateOfRef: tip.duplicateOfId ? caseRef(tip.duplicateOfId) : null,
      outcome: tip.outcome,
      result: { plantsDestroyed: tip.plantsDestroyed, areaM2: tip.areaM2, peopleHandled: tip.peopleHandled, seizedGrams: tip.seizedGrams },
      verifyExtended: tip.verifyExtended,
      purged: !!tip.purgedAt,
      dates: (["assignedAt", "triagedAt", "forwardedAt", "acknowledgedAt", "resolvedAt", "closedAt"] as const).filter((k) => tip[k]).map((k) => ({ key: k, at: when(tip[k]) })),
    },
    content: content && {
      report: { ...content.report, observedAt: content.report.observedAt ? formatIsoDay(content.report.observedAt) : undefined },
      photos: content.photoIds.map((pid, i) => ({ src: `/staff/cases/${tip.id}/photos/${pid}`, n: i + 1, gps: locations[pid] ?? null })),
      messages: content.messages.map(message),
      notes: content.notes.map(message),
      hasContact: content.hasContact,
    },
    history: history.map((h) => ({
      at: when(h.at),
      // The tipster's answer has no staff actor, and is not the system's doing either.
      actor: h.actorId ? (emails.get(h.actorId) ?? h.actorId) : h.action === "case.answer" ? t("cases.history.tipster") : null,
      // Routing that found no liaison is not a hand-over: say what happened.
      action: auditLabel(t, h.action === "case.assign" && h.details?.assigneeId === null ? "case.assign_nobody" : h.action),
      to: typeof h.details?.to === "string" ? h.details.to : null,
    })),
    duplicates: duplicates.map((d) => ({ id: d.id, ref: caseRef(d.id), received: when(d.receivedAt), status: d.status })),
  };
}
