/**
 * The places register read back: places of a district or commune with their
 * states over time and their linked cases, the suggestions for a case (same
 * commune, the kind its category names). Labels and locations stay locked
 * here (`details: null`): opening them is the audited command
 * placeDetailsOpener, with the reader's own key wrap. Writes are in the place
 * commands.
 */
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { Db, Tx } from "../db/client.js";
import { casePlaces, places, placeStates, staffUsers } from "../db/schema.js";
import { notFound } from "../errors.js";
import { actorOf, authorize, can, type Actor } from "../policies/index.js";
import type { UnitTree } from "../units/directory.js";

export const PLACE_KINDS = ["sale_point", "use_hangout", "storage", "cultivation"] as const;
export type PlaceKind = (typeof PLACE_KINDS)[number];
export const PLACE_STATES = ["active", "eliminated", "re_emerged", "replanted"] as const;
export type PlaceState = (typeof PLACE_STATES)[number];
/** The states a person records after creation (active is the first row, written at creation). */
export const RECORDED_STATES = ["eliminated", "re_emerged", "replanted"] as const;
export type RecordedState = (typeof RECORDED_STATES)[number];

/** The kind of place a tip's category is about (the suggestions of the case page). */
export const KIND_OF_CATEGORY: Record<string, PlaceKind | undefined> = {
  selling: "sale_point",
  using: "use_hangout",
  storage: "storage",
  cultivation: "cultivation",
};

const OFFSET_MS = 7 * 3_600_000;
/** The Vietnam date (UTC+7, no daylight saving) of an instant, YYYY-MM-DD. */
export const vietnamDate = (d: Date) => new Date(d.getTime() + OFFSET_MS).toISOString().slice(0, 10);
/** Today's date in Vietnam. */
export const vietnamToday = (now = new Date()) => vietnamDate(now);

/** What a place's encrypted item holds. */
export interface PlaceDetails {
  label: string;
  location?: string;
}

export type PlaceRow = typeof places.$inferSelect;

export interface StateEntry {
  state: PlaceState;
  onDate: string;
}

export interface PlaceEntry {
  id: string;
  communeCode: string;
  communeName: string;
  districtCode: string;
  districtName: string;
  kind: PlaceKind;
  createdOn: string;
  state: PlaceState;
  stateOn: string;
  history: StateEntry[];
  caseIds: string[];
  /** Null until placeDetailsOpener opens it, and then when the reader holds no key for this place. */
  details: PlaceDetails | null;
}

/** The place row, or 404. */
export async function loadPlace(db: Db | Tx, id: string): Promise<PlaceRow> {
  const [row] = await db.select().from(places).where(eq(places.id, id));
  if (!row) throw notFound();
  return row;
}

/** The district of a place's commune in the current tree (a commune no longer in the tree: 404). */
export function districtOfPlace(tree: UnitTree, place: Pick<PlaceRow, "communeCode">): string {
  const d = tree.communeDistrict.get(place.communeCode);
  if (!d) throw notFound();
  return d;
}

/** States in the order they happened: by day, then as entered. */
export async function historiesOf(db: Db | Tx, ids: string[]): Promise<Map<string, StateEntry[]>> {
  const out = new Map<string, StateEntry[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) return out;
  const rows = await db.select().from(placeStates).where(inArray(placeStates.placeId, ids)).orderBy(asc(placeStates.onDate), asc(placeStates.id));
  for (const r of rows) out.get(r.placeId)?.push({ state: r.state, onDate: r.onDate });
  return out;
}

/** Every active staff member who may read places of `districtCode` (the place key is sealed to each). */
export async function placeRecipients(db: Db | Tx, districtCode: string): Promise<Array<{ id: string; publicKey: Uint8Array }>> {
  const rows = await db.select().from(staffUsers).where(eq(staffUsers.active, true));
  return rows.filter((u) => can(actorOf(u), "places.view", { districtCode })).map((u) => ({ id: u.id, publicKey: u.publicKey }));
}

export interface PlaceFilter {
  districtCode?: string;
  communeCode?: string;
  kind?: PlaceKind;
  ids?: string[];
}

/** Places within the tree (or one district, commune, kind), in the tree's order, with histories and cases (labels locked). */
export async function listPlaces(db: Db, tree: UnitTree, filter: PlaceFilter): Promise<PlaceEntry[]> {
  const communes = tree.districts
    .filter((d) => !filter.districtCode || d.code === filter.districtCode)
    .flatMap((d) => d.communes.map((c) => ({ ...c, districtCode: d.code, districtName: d.name })))
    .filter((c) => !filter.communeCode || c.code === filter.communeCode);
  if (communes.length === 0) return [];
  const conds = [inArray(places.communeCode, communes.map((c) => c.code))];
  if (filter.kind) conds.push(eq(places.kind, filter.kind));
  if (filter.ids) conds.push(filter.ids.length ? inArray(places.id, filter.ids) : sql`false`);
  const rows = await db.select().from(places).where(and(...conds)).orderBy(asc(places.createdOn), asc(places.id));
  const ids = rows.map((r) => r.id);
  const [histories, links] = await Promise.all([
    historiesOf(db, ids),
    ids.length ? db.select().from(casePlaces).where(inArray(casePlaces.placeId, ids)) : Promise.resolve([]),
  ]);
  const order = new Map(communes.map((c, i) => [c.code, i]));
  const commune = new Map(communes.map((c) => [c.code, c]));
  return rows
    .sort((a, b) => order.get(a.communeCode)! - order.get(b.communeCode)!)
    .map((r) => {
      const history = histories.get(r.id) ?? [];
      const last = history[history.length - 1] ?? { state: "active" as const, onDate: r.createdOn };
      const c = commune.get(r.communeCode)!;
      return {
        id: r.id,
        communeCode: r.communeCode,
        communeName: c.name,
        districtCode: c.districtCode,
        districtName: c.districtName,
        kind: r.kind,
        createdOn: r.createdOn,
        state: last.state,
        stateOn: last.onDate,
        history,
        caseIds: links.filter((l) => l.placeId === r.id).map((l) => l.tipId).sort(),
        details: null,
      };
    });
}

/** The place ids a case is linked to. */
export async function placesOfCase(db: Db, tipId: string): Promise<string[]> {
  const rows = await db.select({ placeId: casePlaces.placeId }).from(casePlaces).where(eq(casePlaces.tipId, tipId));
  return rows.map((r) => r.placeId);
}

/**
 * For a case: the places it is linked to, and the suggestions — places of the
 * same commune, of the kind the case's category names (every kind when the
 * category names none), not linked yet.
 */
export async function placesForCase(
  db: Db,
  tree: UnitTree,
  tip: { id: string; communeCode: string; category: string },
): Promise<{ linked: PlaceEntry[]; suggested: PlaceEntry[] }> {
  const linkedIds = await placesOfCase(db, tip.id);
  const kind = KIND_OF_CATEGORY[tip.category];
  const [linked, sameCommune] = await Promise.all([
    listPlaces(db, tree, { ids: linkedIds }),
    listPlaces(db, tree, { communeCode: tip.communeCode, kind }),
  ]);
  return { linked, suggested: sameCommune.filter((p) => !linkedIds.includes(p.id)) };
}

/** The district a person may list places of (checked); undefined = every district. A district-bound person is narrowed to theirs. */
export function placesScope(actor: Actor, asked?: string): string | undefined {
  const district = asked ?? (actor.role === "admin" ? undefined : (actor.districtCode ?? undefined));
  authorize(actor, "places.view", district === undefined ? undefined : { districtCode: district });
  return district;
}
