/** What the API says about a staff member: never hashes, salts or keys. */
import type { StaffUser } from "../db/rows.js";

export function presentStaff(u: StaffUser) {
  return {
    id: u.id,
    email: u.email,
    role: u.role,
    districtCode: u.districtCode,
    policeUnitId: u.policeUnitId,
    active: u.active,
    totpEnabled: u.totpEnabled,
    needsRestore: u.needsRestore,
    notifyMode: u.notifyMode,
    lastLoginAt: u.lastLoginAt?.toISOString() ?? null,
  };
}
