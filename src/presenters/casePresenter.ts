/** What the API says about a case: the plaintext routing fields only (content comes decrypted, separately). */
import type { TipRow } from "../db/rows.js";

type ListRow = Pick<TipRow, "id" | "receivedAt" | "category" | "districtCode" | "communeCode" | "urgent" | "status" | "source" | "noLiaison" | "assigneeId" | "forwardedUnitId" | "deadlineAt" | "deadlineKind" | "version">;

export function presentListItem(t: ListRow) {
  return {
    id: t.id,
    receivedAt: t.receivedAt.toISOString(),
    category: t.category,
    districtCode: t.districtCode,
    communeCode: t.communeCode,
    urgent: t.urgent,
    status: t.status,
    source: t.source,
    noLiaison: t.noLiaison,
    assigneeId: t.assigneeId,
    policeUnitId: t.forwardedUnitId,
    deadline: t.deadlineAt ? { kind: t.deadlineKind, at: t.deadlineAt.toISOString(), overdue: t.deadlineAt.getTime() < Date.now() } : null,
    version: t.version,
  };
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function presentCase(t: TipRow) {
  return {
    ...presentListItem(t),
    triageOutcome: t.triageOutcome,
    duplicateOfId: t.duplicateOfId,
    triagedAt: iso(t.triagedAt),
    forwardedAt: iso(t.forwardedAt),
    acknowledgedAt: iso(t.acknowledgedAt),
    verifyExtended: t.verifyExtended,
    resolvedAt: iso(t.resolvedAt),
    outcome: t.outcome,
    closedAt: iso(t.closedAt),
  };
}
