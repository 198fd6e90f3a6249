/** `yyyy-MM-dd HH:mm:ss` in UTC, as RongCloud renders times in bodies. */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}
