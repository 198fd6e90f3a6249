import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { DownloadLink, HistoryExportService } from '../../core/history-export.js';
import { ParleyError } from '../../errors.js';
import { errorResponses } from '../openapi.js';
import { requiredText } from '../params.js';
import { post } from '../route.js';

/** The hour as `yyyyMMddHH` on the app's clock; the core checks it is a real, finished hour. */
const hourBody = z.object({ date: requiredText(10) });

const filesPath = '/message/history/files';

/** A link always carries both; anything else (missing, repeated) is refused like a wrong one. */
const linkQuery = z.object({ expires: z.string(), signature: z.string() });

/** docs/server-api.md "Recall and history": the hourly history files, signed like every server-API call. */
export function historyExportRoutes(app: FastifyInstance, exports: HistoryExportService): void {
  post(app, { path: '/message/history', summary: 'Link to the zip of one hour of messages (valid 3 days; "" when none)', body: hourBody }, async (input, request) => {
    const link = await exports.link(request.imApp, input.date);
    return { url: link ? downloadUrl(request, input.date, link) : '', date: input.date };
  });

  post(app, { path: '/message/history/delete', summary: 'Delete the file of one hour of messages', body: hourBody }, async (input, request) => {
    await exports.remove(request.imApp, input.date);
    return {};
  });
}

/**
 * The download behind the links: unsigned by App-Key (a browser or curl opens it), so
 * registered outside the signed routes; the link's own signature and expiry guard it.
 */
export function historyFileRoute(app: FastifyInstance, exports: HistoryExportService): void {
  const schema = {
    summary: 'Download one hour of messages (the link `/message/history` answers; unsigned)',
    tags: ['message'],
    security: [],
    params: z.object({ appKey: z.string(), file: z.string().describe('`yyyyMMddHH.zip`') }),
    querystring: linkQuery,
    response: { 200: { description: 'The zip', content: { 'application/zip': { schema: z.string() } } }, ...errorResponses(['historyLinkInvalid', 'notFound', 'internal', 'storageTimeout']) },
  };
  app.get<{ Params: { appKey: string; file: string } }>(`${filesPath}/:appKey/:file`, { schema }, async (request, reply) => {
    const { appKey, file } = request.params;
    if (!file.endsWith('.zip')) throw new ParleyError('notFound', `no such history file: ${file}`);
    const link = linkQuery.safeParse(request.query);
    if (!link.success) throw new ParleyError('historyLinkInvalid');
    const date = file.slice(0, -'.zip'.length);
    const archive = await exports.download(appKey, date, link.data);
    return reply.type('application/zip').header('content-disposition', `attachment; filename="${date}.zip"`).send(archive);
  });
}

/** Points at the host the caller reached, so the link works wherever the call came from. */
function downloadUrl(request: FastifyRequest, date: string, link: DownloadLink): string {
  const query = new URLSearchParams({ expires: String(link.expires), signature: link.signature });
  return `${request.protocol}://${request.host}${filesPath}/${encodeURIComponent(request.imApp.appKey)}/${date}.zip?${query.toString()}`;
}
