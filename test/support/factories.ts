/** Factories for staff and tips, in the words the tests use. */
import { bootstrap } from "../../src/commands/bootstrapper.js";
import { createStaff, type Role } from "../../src/commands/staffCreator.js";
import type { AppContext } from "../../src/context.js";
import { unlockStaffKey } from "../../src/tips/tipReader.js";

export const PASSWORD = "Rừng dừa Bến Tre, 26-06";

export async function anAdministrator(ctx: AppContext, email = "admin@example.org") {
  const { adminId } = await bootstrap(ctx.database.db, email, PASSWORD);
  return { id: adminId, email, keys: await unlockStaffKey(ctx.database.db, adminId, PASSWORD) };
}

export async function aStaffMember(ctx: AppContext, role: Role, districtCode: string | null, email = `${role}-${districtCode}-${Math.random().toString(36).slice(2)}@example.org`) {
  const { id } = await ctx.database.db.transaction((tx) => createStaff(tx, { email, role, districtCode, password: PASSWORD, policeUnitId: role === "police" ? "00000000-0000-4000-8000-000000000001" : null }));
  return { id, email, keys: await unlockStaffKey(ctx.database.db, id, PASSWORD) };
}

/** A valid JSON tip: Huyện Châu Thành (831), Thị trấn Châu Thành (28801). */
export function aTip(overrides: Record<string, unknown> = {}) {
  return {
    category: "cultivation",
    districtCode: "831",
    communeCode: "28801",
    location: "Gần cây xăng, ấp 3",
    description: "Có một vườn trồng cây cần sa sau nhà, khoảng hai mươi cây.",
    urgent: false,
    ...overrides,
  };
}
