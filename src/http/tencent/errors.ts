import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { errorCatalog, ParleyError, type ErrorName } from '../../errors.js';
import { BodyNotJson } from '../body-parsers.js';
import { cataloguedError } from '../errors.js';
import { parse } from '../route.js';

/** The Tencent IM services Parley serves (docs/tencent-im.md); each has its own error codes. */
export type TencentService = 'im_open_login_svc' | 'openim' | 'sns' | 'group_open_http_svc';

/**
 * A refusal catalogued as one of Parley's kinds (`badSignature`, `badParameter`) but told to a
 * Tencent backend with the finer code Tencent documents for it (70001 expired, 70013 another
 * identifier, 90005 a bad `MsgRandom`, …).
 */
export class TencentRefusal extends ParleyError {
  constructor(
    kind: ErrorName,
    readonly tencentCode: number,
    detail: string,
  ) {
    super(kind, detail);
  }
}

/*
 * The codes, as Tencent publishes them: the REST API's common codes (60002–60021, UserSig
 * 70001–70020) and each service's (docs/tencent-im.md "Errors" names the sources).
 */

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
    // Tencent documents no code for roaming switched off: the request's, not a retry's.
    historyDisabled: 90010,
  },
  sns: { badParameter: 30001, noPostData: 30001, parameterTooLong: 30001, internal: 30006, storageTimeout: 30007, friendNeedsApproval: 30539, friendAddForbidden: 30516, rejectedByBlacklist: 30525 },
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
export const notAdministratorCode: Record<TencentService, number> = { im_open_login_svc: 70403, openim: 90009, sns: 30004, group_open_http_svc: 10007 };

/** Where a service documents a code of its own for one bad field: the code for a refused issue, if any. */
const fieldCodes: Partial<Record<TencentService, (field: string, issue: z.core.$ZodIssue) => number | undefined>> = {
  openim: (field, issue) => {
    switch (field) {
      case 'MsgBody':
        return 90002;
      case 'To_Account':
        return issue.code === 'too_big' ? 90011 : 90003;
      case 'From_Account':
        return 90008;
      case 'MsgRandom':
        return 90005;
      case 'SyncOtherMachine':
        return 90031;
      case 'MsgLifeTime':
        return issue.code === 'invalid_type' ? 90044 : 90026;
      case 'MsgKey':
        return 90054;
      default:
        return undefined;
    }
  },
  group_open_http_svc: (field) => (field === 'GroupId' ? 10015 : undefined),
};

/**
 * Parses a command's body as every route does (`parse`: one schema, 1002 naming the field);
 * a refusal of a field the service has a code for carries that code. Only a refused body is
 * looked at twice.
 */
export function parseTencentBody<S extends z.ZodType>(service: TencentService, schema: S, body: unknown): z.infer<S> {
  try {
    return parse(schema, body);
  } catch (err) {
    const issue = err instanceof ParleyError && err.kind === 'badParameter' ? schema.safeParse(body ?? {}).error?.issues[0] : undefined;
    const code = issue && fieldCodes[service]?.(String(issue.path[0] ?? ''), issue);
    if (code === undefined || !(err instanceof ParleyError)) throw err;
    throw new TencentRefusal('badParameter', code, err.message);
  }
}

/** A body that is not JSON, where the service has a code for it ("JSON parse failed"). */
const notJsonCodes: Partial<Record<TencentService, number>> = { openim: 90001, group_open_http_svc: 10011 };

/** Tencent's code for a catalogued error (docs/tencent-im.md "Errors"); one of the service's parameter codes when it has none of its own. */
export function tencentCodeOf(error: ParleyError, service: TencentService): number {
  if (error instanceof TencentRefusal) return error.tencentCode;
  if (error instanceof BodyNotJson && notJsonCodes[service] !== undefined) return notJsonCodes[service];
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
