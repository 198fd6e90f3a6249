import type { App } from './core/apps.js';

export interface BannerFacts {
  /** The address the server listens on, as a browser on this machine reaches it. */
  baseUrl: string;
  nodeId: string;
  storage: string;
  /** Set when no app is configured: its key and secret are what a first try needs. */
  devApp: App | undefined;
  /** The admin token the development start made (an operator's own ADMIN_TOKEN is never printed). */
  generatedAdminToken: string | undefined;
}

/**
 * What a person starting Parley needs to read once, on the terminal: where it answers and,
 * for the development app, how to sign. Written to stderr, so that the log stream on
 * stdout stays JSON and never carries the app secret.
 */
export function banner({ baseUrl, nodeId, storage, devApp, generatedAdminToken }: BannerFacts): string {
  const wsUrl = baseUrl.replace(/^http/, 'ws');
  const lines = [
    `Parley is running (node ${nodeId}; ${storage})`,
    `  server API (RongCloud's, signed)  ${baseUrl}`,
    `  WebSocket, Parley's protocol      ${wsUrl}/ws          docs/protocol.md`,
    `  RongCloud Web SDK navigator       ${baseUrl}             docs/migrating-from-rongcloud.md`,
    `  health                            ${baseUrl}/health`,
    `  API docs (Swagger UI; OpenAPI)    ${baseUrl}/docs   ${baseUrl}/openapi.json`,
  ];
  if (devApp) {
    lines.push(
      '  development app (no IM_APPS set; kept in DATA_DIR):',
      `    appKey     ${devApp.appKey}`,
      `    appSecret  ${devApp.appSecret}`,
      '  sign each call: Signature = sha1(appSecret + Nonce + Timestamp), headers App-Key, Nonce, Timestamp, Signature (README.md)',
      `  demo chat (pick any user id)      ${baseUrl}/demo`,
    );
  }
  if (generatedAdminToken) {
    lines.push(
      `  admin API (bearer token below)    ${baseUrl}/admin/v1/apps   docs/admin.md`,
      `  console (paste the token)         ${baseUrl}/console`,
      `    adminToken ${generatedAdminToken}`,
      '  the token is made for this run; set ADMIN_TOKEN to choose one',
    );
  }
  return `\n${lines.join('\n')}\n\n`;
}
