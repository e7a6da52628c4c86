/**
 * The administrator's setup checklist: every piece of setup whose absence
 * strands a tip or misleads someone on launch day, read from the database and
 * the configuration each time (nothing is cached, nothing is stored).
 */
import { and, desc, eq, sql } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { auditLog, policeUnits, recoveryKeyHolders, staffUsers, tips, units } from "../db/schema.js";
import { getSetting } from "../settings/settings.js";
import { recogniseTree, type BundledTree } from "../units/bundledTrees.js";
import { isPublicUrl } from "./publicAddress.js";

export interface SetupChecklist {
  /** Districts (or the province, on a tree without districts) with no active liaison: their tips wait unrouted. */
  districtsWithoutLiaison: string[];
  /** Active police units with no active member, and whether any unit exists at all. */
  unitsWithoutMembers: string[];
  anyPoliceUnit: boolean;
  /** PUBLIC_URL: unset, set to an address the public cannot reach, or fine. */
  publicUrl: "unset" | "private" | "ok";
  email: boolean;
  /** When the recovery key was last opened on purpose; whether the person asking holds it. */
  recoveryTestedAt: Date | null;
  holdsRecovery: boolean;
  publicFigures: boolean;
  tree: { recognised: BundledTree | null; province: string | null; hasDistricts: boolean; districts: number; communes: number; canSwitch: boolean };
  /** How many of the six things to do are done. */
  done: number;
  total: number;
}

export async function setupChecklist(ctx: AppContext, adminId: string): Promise<SetupChecklist> {
  const { db } = ctx.database;
  const [tree, liaisons, unitRows, members, tested, holder, figures, loaded, anyTip] = await Promise.all([
    ctx.units.tree(),
    db.selectDistinct({ district: staffUsers.districtCode }).from(staffUsers).where(and(eq(staffUsers.role, "liaison"), eq(staffUsers.active, true))),
    db.select({ id: policeUnits.id, name: policeUnits.name }).from(policeUnits).where(eq(policeUnits.active, true)),
    db.selectDistinct({ unit: staffUsers.policeUnitId }).from(staffUsers).where(and(eq(staffUsers.role, "police"), eq(staffUsers.active, true))),
    db.select({ at: auditLog.at }).from(auditLog).where(eq(auditLog.action, "recovery.tested")).orderBy(desc(auditLog.id)).limit(1),
    db.select({ id: recoveryKeyHolders.userId }).from(recoveryKeyHolders).where(eq(recoveryKeyHolders.userId, adminId)),
    getSetting(db, "publicFigures"),
    db.select({ code: units.code, name: units.name, level: units.level }).from(units),
    db.select({ one: sql<number>`1` }).from(tips).limit(1),
  ]);
  const covered = new Set(liaisons.map((l) => l.district));
  const staffed = new Set(members.map((m) => m.unit));
  const publicUrl = !ctx.config.publicUrl ? "unset" : isPublicUrl(ctx.config.publicUrl) ? "ok" : "private";
  const list: Omit<SetupChecklist, "done" | "total"> = {
    districtsWithoutLiaison: tree.districts.filter((d) => !covered.has(d.code)).map((d) => d.name),
    unitsWithoutMembers: unitRows.filter((u) => !staffed.has(u.id)).map((u) => u.name),
    anyPoliceUnit: unitRows.length > 0,
    publicUrl,
    email: !!ctx.config.mail.smtpUrl,
    recoveryTestedAt: tested[0]?.at ?? null,
    holdsRecovery: holder.length > 0,
    publicFigures: figures,
    tree: {
      recognised: recogniseTree(loaded),
      province: tree.province?.name ?? null,
      hasDistricts: tree.hasDistricts,
      districts: tree.hasDistricts ? tree.districts.length : 0,
      communes: tree.communeDistrict.size,
      canSwitch: anyTip.length === 0,
    },
  };
  const checks = [
    list.districtsWithoutLiaison.length === 0,
    list.anyPoliceUnit && list.unitsWithoutMembers.length === 0,
    list.publicUrl === "ok",
    list.email,
    !!list.recoveryTestedAt,
    list.publicFigures,
  ];
  return { ...list, done: checks.filter(Boolean).length, total: checks.length };
}
