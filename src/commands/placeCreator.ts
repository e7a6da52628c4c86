/**
 * placeCreator: a place enters the register (a sale point, a hangout, a
 * storage place, a cultivation area) in a commune, with its first state
 * "active" on the day it was detected, and optionally linked to the case it
 * came from. The label and location are encrypted like case content: a fresh
 * key pair for the place, the details sealed to its public key, its private
 * key sealed to every staff member entitled to the district's places and to
 * the recovery key. The audit row names the commune and kind, never the label.
 */
import { randomUUID } from "node:crypto";
import { appendAudit } from "../audit/auditLog.js";
import { loadCase } from "../cases/caseView.js";
import type { AppContext } from "../context.js";
import * as crypto from "../crypto/index.js";
import { casePlaces, placeKeyWraps, places, placeStates, recoveryKey } from "../db/schema.js";
import { invalidInput, notReady } from "../errors.js";
import { placeRecipients, vietnamToday, type PlaceDetails, type PlaceKind } from "../places/register.js";
import { authorize, authorizeCase, type Actor } from "../policies/index.js";

export interface NewPlace {
  communeCode: string;
  kind: PlaceKind;
  label: string;
  location?: string;
  /** YYYY-MM-DD (Vietnam); default today. */
  detectedOn?: string;
  /** The case it was found from, linked at once. */
  caseId?: string;
}

export async function createPlace(ctx: AppContext, actor: Actor, input: NewPlace): Promise<{ id: string }> {
  const districtCode = (await ctx.units.tree()).communeDistrict.get(input.communeCode);
  if (!districtCode) throw invalidInput("invalid_place", { communeCode: "errors.invalid_commune" });
  authorize(actor, "places.manage", { districtCode });
  const today = vietnamToday();
  const detectedOn = input.detectedOn ?? today;
  if (detectedOn > today) throw invalidInput("invalid_place", { detectedOn: "errors.date_in_future" });
  if (input.caseId) {
    const tip = await loadCase(ctx, input.caseId);
    authorizeCase(actor, "case.view", tip);
    if (tip.districtCode !== districtCode) throw invalidInput("invalid_place", { caseId: "errors.place_other_district" });
  }
  const id = randomUUID();
  const keys = crypto.generateKeyPair();
  const details: PlaceDetails = { label: input.label, ...(input.location ? { location: input.location } : {}) };
  const sealed = crypto.encryptPlace(crypto.utf8.encode(JSON.stringify(details)), id, keys.publicKey);
  await ctx.database.db.transaction(async (tx) => {
    const [rk] = await tx.select().from(recoveryKey);
    if (!rk) throw notReady();
    const recipients = await placeRecipients(tx, districtCode);
    const recoverySealedKey = crypto.sealTo(keys.privateKey, rk.publicKey);
    const { communeCode, kind } = input;
    await tx.insert(places).values({ id, communeCode, kind, createdOn: today, publicKey: keys.publicKey, recoverySealedKey, ...sealed });
    const wraps = recipients.map((r) => ({ placeId: id, userId: r.id, sealedPrivateKey: crypto.sealTo(keys.privateKey, r.publicKey) }));
    if (wraps.length) await tx.insert(placeKeyWraps).values(wraps);
    await tx.insert(placeStates).values({ placeId: id, state: "active", onDate: detectedOn, enteredBy: actor.id });
    if (input.caseId) await tx.insert(casePlaces).values({ tipId: input.caseId, placeId: id, linkedBy: actor.id });
    await appendAudit(tx, {
      actorId: actor.id,
      action: "place.created",
      subjectType: "place",
      subjectId: id,
      districtCode,
      details: { communeCode: input.communeCode, kind: input.kind, detectedOn, caseId: input.caseId ?? null, keyHolders: recipients.length },
    });
  });
  return { id };
}
