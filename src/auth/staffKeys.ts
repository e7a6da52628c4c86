/** The label a staff member's private key is wrapped under (creation, activation, password change, sign-in). */
export const staffWrapLabel = (userId: string) => `staff:${userId}`;
