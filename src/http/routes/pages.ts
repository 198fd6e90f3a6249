import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { parse } from '../route.js';
import { errorResponses } from '../openapi.js';

/** The package's root, from src/http/routes (tsx) and dist/http/routes (built) alike. */
const packageRoot = fileURLToPath(new URL('../../../', import.meta.url));
/** The pages' own files: HTML, ES modules and CSS, served as they are (no build step). */
const publicDir = join(packageRoot, 'public');

export interface PageOptions {
  /** Where tsconfig.client.json built `parley/client` (its `client/` folder is served at `/client/`). */
  clientRoot: string;
}

export const defaultPageOptions: PageOptions = { clientRoot: join(packageRoot, 'dist') };

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/**
 * The pages only ever load their own files and talk to this server: an injected script
 * could not send the admin token anywhere else. `'self'` covers the page's WebSocket too.
 */
const contentSecurityPolicy = "default-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** One file name of a folder: no path, so nothing outside the folder can be named. */
const fileParams = z.object({ file: z.string().regex(/^[\w-]+\.(js|css)$/, 'a .js or .css file of the folder') });

function schema(summary: string, mediaTypes: string[], params?: z.ZodType) {
  return {
    summary,
    tags: ['pages'],
    security: [],
    ...(params && { params }),
    response: {
      200: { description: 'The file', content: Object.fromEntries(mediaTypes.map((type) => [type, { schema: z.string() }])) },
      ...errorResponses(['badParameter', 'notFound']),
    },
  };
}

async function sendFile(reply: FastifyReply, path: string, missing: string): Promise<FastifyReply> {
  let body: Buffer;
  try {
    body = await readFile(path);
  } catch {
    return reply.status(404).send({ code: 404, errorMessage: missing });
  }
  return reply
    .type(contentTypes[extname(path)] ?? 'application/octet-stream')
    .header('cache-control', 'no-cache')
    .header('content-security-policy', contentSecurityPolicy)
    .header('x-content-type-options', 'nosniff')
    .send(body);
}

/**
 * The console and the demo chat (README.md "Console and demo"): plain HTML and ES modules
 * from public/, and the typed client as `npm run build` made it (dist/client), which the
 * pages import like any browser app would.
 */
export function pageRoutes(http: FastifyInstance, { clientRoot }: PageOptions): void {
  for (const page of ['console', 'demo'] as const) {
    const summary = page === 'console' ? "The operator's console (docs/admin.md)" : 'The demo chat of the development app';
    http.get(`/${page}`, { schema: schema(summary, ['text/html']) }, (_request, reply) => sendFile(reply, join(publicDir, `${page}.html`), `public/${page}.html is missing`));
  }
  http.get('/assets/:file', { schema: schema("The pages' scripts and styles", ['text/javascript', 'text/css'], fileParams) }, (request, reply) => {
    const { file } = parse(fileParams, request.params);
    return sendFile(reply, join(publicDir, file), `no asset ${file}`);
  });
  http.get('/client/:file', { schema: schema('parley/client for the pages (built by `npm run build`)', ['text/javascript'], fileParams) }, (request, reply) => {
    const { file } = parse(fileParams, request.params);
    return sendFile(reply, join(clientRoot, 'client', file), `no client/${file}: build parley/client first (npm run build)`);
  });
}
