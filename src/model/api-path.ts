/** A server-API path as rate limits name it: without the `.json` suffix RongCloud's SDKs add. */
export function apiPath(path: string): string {
  return path.endsWith('.json') ? path.slice(0, -'.json'.length) : path;
}
