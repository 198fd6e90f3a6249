import type { FastifyInstance } from 'fastify';
import { errorCatalog, ParleyError, type ErrorName } from '../../errors.js';
import { cataloguedError } from '../errors.js';

/** The Tencent IM services Parley serves (docs/tencent-im.md); each has its own error codes. */
export type TencentService = 'im_open_login_svc' | 'openim' | 'sns' | 'group_open_http_svc';

/**
 * A refusal of the UserSig or of the caller, catalogued as `badSignature` but told to a
 * Tencent backend with the finer code its SDK documents (70001 expired, 70013 another
 * identifier, …).
 */
export class TencentAuthRefusal extends ParleyError {
  constructor(
    readonly tencentCode: number,
    detail: string,
  ) {
    super('badSignature', detail);
  }
}

/** Codes every service answers alike (Tencent's common REST codes). */
const common: Partial<Record<ErrorName, number>> = {
  badSignature: 70003,
  rateLimited: 60007,
  appKeyMismatch: 70020,
  notFound: 60009,
};

/** Per service: parameter errors, internal errors, and what its commands refuse. */
const byService: Record<TencentService, Partial<Record<ErrorName, number>> & { badParameter: number; internal: number }> = {
  im_open_login_svc: { badParameter: 70402, noPostData: 70402, parameterTooLong: 70402, internal: 70500, storageTimeout: 70169, userDeactivated: 70107 },
  openim: {
    badParameter: 90010,
    noPostData: 90001,
    parameterTooLong: 93000,
    internal: 90992,
    storageTimeout: 90994,
    rejectedByBlacklist: 20007,
    notInWhitelist: 20007,
    notFriend: 20009,
    mutedInPrivateChat: 20012,
    userBanned: 20012,
    userDeactivated: 20003,
    sensitiveWordBlocked: 80001,
    recallInvalid: 20022,
    historyDisabled: 90009,
  },
  sns: { badParameter: 30001, noPostData: 30001, parameterTooLong: 30001, internal: 30006, storageTimeout: 30006, friendNeedsApproval: 30539, friendAddForbidden: 30516, rejectedByBlacklist: 30525 },
  group_open_http_svc: {
    badParameter: 10004,
    noPostData: 10004,
    parameterTooLong: 10004,
    internal: 10002,
    storageTimeout: 10002,
    notInGroup: 10007,
    forbiddenInGroup: 10017,
    groupNotExist: 10010,
    sensitiveWordBlocked: 80001,
  },
};

/** The code an administrator-only call answers to a caller who is not one. */
export const notAdministratorCode: Record<TencentService, number> = { im_open_login_svc: 70403, openim: 90009, sns: 30001, group_open_http_svc: 10007 };

/** Tencent's code for a catalogued error (docs/tencent-im.md "Errors"); one of the service's parameter codes when it has none of its own. */
export function tencentCodeOf(error: ParleyError, service: TencentService): number {
  if (error instanceof TencentAuthRefusal) return error.tencentCode;
  const codes = byService[service];
  return codes[error.kind] ?? common[error.kind] ?? (errorCatalog[error.kind].status >= 500 ? codes.internal : codes.badParameter);
}

/**
 * Failures answered as Tencent does: HTTP 200, `{"ActionStatus":"FAIL","ErrorCode":N,"ErrorInfo":"…"}`
 * (its SDKs read the body, not the status). Set on the plugin of the Tencent routes only.
 */
export function registerTencentErrors(app: FastifyInstance, service: TencentService): void {
  app.setErrorHandler((error, request, reply) => {
    const known = cataloguedError(error);
    if (!known) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: known.code, errorMessage: known.message }, 'request refused');
    const refusal = known ?? new ParleyError('internal');
    return reply.status(200).send({ ActionStatus: 'FAIL', ErrorCode: tencentCodeOf(refusal, service), ErrorInfo: refusal.message });
  });
}
