import type { TestServer } from './server.js';

export interface AdminResponse {
  status: number;
  headers: Headers;
  body: Record<string, unknown> & { code?: number };
}

/** Calls the admin API of `t` (docs/admin.md) with `token` as the bearer (none when undefined). */
export async function adminCall(t: Pick<TestServer, 'baseUrl'>, token: string | undefined, method: string, path: string, body?: unknown): Promise<AdminResponse> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${t.baseUrl}/admin/v1${path}`, { method, headers, ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as AdminResponse['body']) : {} };
}

/** An admin client of one server with the right token. */
export const adminOf = (t: Pick<TestServer, 'baseUrl'>, token: string) => (method: string, path: string, body?: unknown) => adminCall(t, token, method, path, body);
