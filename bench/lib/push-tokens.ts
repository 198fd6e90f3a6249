/** push-fanout's device tokens: APNs-shaped (64 hex digits), one per offline user, the same in Parley's table and for the bare client. */
export const deviceToken = (i: number): string => i.toString(16).padStart(64, '0');
