import fc from 'fast-check';

/** The subset of JSON Schema that zod's `toJSONSchema` writes for request bodies. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
}

/** Ids the fuzz runs also seed (test/e2e/fuzz-*.test.ts), so that some requests reach past "no such user or group". */
const knownIds = ['fz-a', 'fz-b', 'fz-c', 'fz-group', 'fz-room', 'fz-ultra'];

/** Values built to hurt: wrong types, extremes, NUL, unpaired surrogates, deep nesting, prototype keys. */
export const hostile: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, -1, 0, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 1.5, '', ' ', '0', 'true', 'null', '[]', '{}'),
  fc.constantFrom('a\u0000b', '\ud800', '\udfff x', '💬'.repeat(300), 'x'.repeat(70_000), '{"__proto__":{"polluted":1}}', '../../etc/passwd', "'; DROP TABLE users; --"),
  fc.constant(`${'['.repeat(200)}${']'.repeat(200)}`),
  fc.constant({ __proto__: { polluted: true }, constructor: { prototype: { polluted: true } } }),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
  fc.string({ maxLength: 40 }),
  fc.integer(),
);

/** A JSON content a message type accepts, or not quite. */
const messageContent = fc.constantFrom('{"content":"hello"}', '{"content":"hi","extra":"x"}', '{"imageUri":"https://x/y.png"}', '{"lastMessageSendTime":1}', '{"messageUId":"AAAA-AAAA-AAAA-AAAA"}', 'not json', '{}');
const objectName = fc.constantFrom('RC:TxtMsg', 'RC:ImgMsg', 'RC:CmdMsg', 'RC:SRSMsg', 'RC:RcCmd', 'RC:TypSts', 'App:Custom', 'X');

/** Strings shaped by the field: ids from the seeded pool, message-like text, or anything. */
function stringFor(name: string, schema: JsonSchema): fc.Arbitrary<string> {
  if (/(^|[a-z])(userId|UserId|groupId|GroupId|chatroomId|ChatroomId|targetId|TargetId|Ids?)$/.test(name) || /^(id|ids)$/i.test(name)) {
    return fc.oneof(fc.constantFrom(...knownIds), fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/));
  }
  if (name === 'content') return messageContent;
  if (name === 'objectName') return objectName;
  if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern));
  return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 24, 24) });
}

/** Values that mostly fit `schema` (so requests get past parsing), with hostile ones mixed in. */
export function fromSchema(schema: JsonSchema, name = ''): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 9, arbitrary: fitting(schema, name) }, { weight: 1, arbitrary: hostile });
}

function fitting(schema: JsonSchema, name: string): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const choices = schema.anyOf ?? schema.oneOf;
  if (choices && choices.length > 0) return fc.oneof(...choices.map((c) => fitting(c, name)));
  if (schema.allOf && schema.allOf.length > 0) return fitting(schema.allOf[0]!, name);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const properties = schema.properties ?? {};
      const required = new Set(schema.required ?? []);
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [key, child] of Object.entries(properties)) record[key] = fromSchema(child, key);
      return fc.record(record, { requiredKeys: Object.keys(properties).filter((k) => required.has(k)) });
    }
    case 'array':
      return fc.array(schema.items ? fitting(schema.items, name) : hostile, { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 4, 4) });
    case 'string':
      return stringFor(name, schema);
    case 'integer':
      return fc.integer({ min: Math.max(schema.minimum ?? -1000, -1e6), max: Math.min(schema.maximum ?? 1e6, 1e9) });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e9, noNaN: true });
    case 'boolean':
      return fc.boolean();
    default:
      return hostile;
  }
}

/** A body as an SDK would send it: JSON, or a form (lists as repeated keys, objects as JSON text). */
export function encodeBody(body: unknown, asJson: boolean): { contentType: string; text: string } {
  if (asJson || typeof body !== 'object' || body === null || Array.isArray(body)) return { contentType: 'application/json', text: JSON.stringify(body) ?? 'null' };
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(body)) {
    for (const item of Array.isArray(value) ? value : [value]) params.append(key, typeof item === 'object' && item !== null ? JSON.stringify(item) : String(item));
  }
  return { contentType: 'application/x-www-form-urlencoded', text: params.toString() };
}

/**
 * A digest of every table but those background work changes on its own (the outbox, broadcast
 * jobs): equal before and after a request means the request wrote nothing.
 */
export async function storeDigest(query: (text: string) => Promise<{ rows: Array<Record<string, unknown>> }>): Promise<string> {
  const { rows: tables } = await query(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name NOT IN ('inbox_outbox', 'broadcast_jobs', 'schema_migrations') ORDER BY table_name",
  );
  const parts = tables.map(({ table_name: name }) => `SELECT '${String(name)}' AS t, md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) AS h FROM "${String(name)}" x`);
  const { rows } = await query(`${parts.join(' UNION ALL ')} ORDER BY t`);
  return rows.map((r) => `${String(r.t)}=${String(r.h)}`).join(';');
}
