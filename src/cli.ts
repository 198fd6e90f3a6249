#!/usr/bin/env node
/**
 * `parley <command>` (package.json `bin`): an operator's chores on the stores the
 * environment names, through the same config loading, wiring and core as the server.
 * Results go to stdout, logs and errors to stderr; a failure exits non-zero.
 */
import { pino } from 'pino';
import { ConfigError, describeIssues, loadConfig, type Config } from './config.js';
import { AppSettings } from './core/app-settings.js';
import { createDeps, openSql, type Deps } from './deps.js';
import { ParleyError } from './errors.js';
import { getTokenBody } from './http/routes/users.js';
import { migrate } from './store/migrate.js';

const usage = `usage: parley <command>
  check-config                    validate the configuration in the environment (as the server does)
  migrate                         apply the database migrations (DATABASE_URL, else the embedded DATA_DIR)
  create-app <appKey>             store a new app with a random secret; prints its key and secret
  issue-token <appKey> <userId>   register the user (as /user/getToken.json does) and print a token
`;

/** Wrong arguments: the usage is printed with the message. */
class UsageError extends Error {}

type Command = (config: Config, args: string[]) => Promise<string>;

const commands: Record<string, { arity: number; run: Command }> = {
  'check-config': {
    arity: 0,
    run: async (config) =>
      `OK: ${config.databaseUrl ? 'Postgres' : `PGlite in ${config.dataDir}`}, ${config.redisUrl ? 'Redis' : 'in-process engine'}, ` +
      `${config.apps.length === 0 ? 'no app configured (the development app)' : `apps ${config.apps.map((app) => app.appKey).join(', ')}`}\n`,
  },
  migrate: {
    arity: 0,
    run: async (config) => {
      const sql = await openSql(config);
      try {
        const applied = await migrate(sql);
        return applied.length > 0 ? `applied ${applied.join(', ')}\n` : 'up to date\n';
      } finally {
        await sql.close();
      }
    },
  },
  'create-app': {
    arity: 1,
    run: (config, [appKey]) =>
      withDeps(config, async (deps) => {
        const app = await deps.appSettings.create(appKey!, { appSecret: AppSettings.newSecret() });
        return `appKey ${app.appKey}\nappSecret ${app.appSecret}\n`;
      }),
  },
  'issue-token': {
    arity: 2,
    run: (config, [appKey, userId]) => {
      // Checked before the stores are opened: bad input opens and writes nothing.
      const input = getTokenBody.safeParse({ userId });
      if (!input.success) throw new ParleyError('badParameter', describeIssues(input.error));
      return withDeps(config, async (deps) => {
        const app = deps.apps.get(appKey!);
        if (!app) throw new ParleyError('notFound', `no app ${appKey}`);
        return `${await deps.users.getToken(app, { userId: input.data.userId, name: '', portraitUri: '' })}\n`;
      });
    },
  },
};

/** Runs `work` on a node's wiring (the stores, the apps, the core), closed after; its logs go to stderr. */
async function withDeps(config: Config, work: (deps: Deps) => Promise<string>): Promise<string> {
  const deps = await createDeps(config, pino({ level: config.logLevel === 'info' ? 'warn' : config.logLevel }, pino.destination(2)));
  try {
    return await work(deps);
  } finally {
    await deps.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const [name, ...args] = argv;
  const command = name === undefined ? undefined : commands[name];
  if (!command) throw new UsageError(name === undefined || name === 'help' || name === '--help' ? '' : `unknown command ${name}`);
  if (args.length !== command.arity) throw new UsageError(`${name} takes ${command.arity} argument${command.arity === 1 ? '' : 's'}`);
  process.stdout.write(await command.run(loadConfig(), args));
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (err: unknown) => {
    if (err instanceof UsageError) process.stderr.write(`${err.message ? `parley: ${err.message}\n` : ''}${usage}`);
    else if (err instanceof ConfigError) process.stderr.write(`parley: bad configuration: ${err.message}\n`);
    else if (err instanceof ParleyError) process.stderr.write(`parley: ${err.message} (code ${err.code})\n`);
    else process.stderr.write(`parley: failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(err instanceof UsageError || err instanceof ConfigError ? 2 : 1);
  },
);
