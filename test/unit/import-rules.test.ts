import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layers' import rules (src/*\/README.md): the model is the ground floor; stores speak
 * only the model; the core uses stores through their interfaces and no transport or
 * driver; transports reach stores only through the core.
 */
const root = resolve(import.meta.dirname, '../..');

function sourceFiles(folder: string): string[] {
  return readdirSync(join(root, folder), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(folder, name));
}

/** Every import of a file: the package name, or the repository path of a relative import. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  return [...text.matchAll(/^(?:import|export)[^'"]*from\s+'([^']+)'/gm)].map(([, spec]) =>
    spec!.startsWith('.') ? relative(root, resolve(root, dirname(file), spec!)) : spec!,
  );
}

function offences(folder: string, forbidden: (target: string) => boolean): string[] {
  return sourceFiles(folder).flatMap((file) => importsOf(file).filter(forbidden).map((target) => `${file} -> ${target}`));
}

const under = (...folders: string[]) => (target: string) => folders.some((folder) => target.startsWith(`${folder}/`) || target === folder);

describe('import rules', () => {
  it('src/model imports nothing of ours outside itself', () => {
    expect(offences('src/model', (target) => target.startsWith('src/') && !target.startsWith('src/model/'))).toEqual([]);
  });

  it('src/store imports only src/model and itself', () => {
    expect(offences('src/store', under('src/core', 'src/gateway', 'src/http', 'src/client', 'src/deps.js', 'src/app.js', 'src/config.js'))).toEqual([]);
  });

  it('src/core imports no transport and no driver', () => {
    const drivers = ['fastify', 'ws', 'pg', 'ioredis', '@electric-sql/pglite'];
    expect(offences('src/core', (target) => under('src/gateway', 'src/http')(target) || drivers.includes(target))).toEqual([]);
  });

  it('src/gateway and src/http import nothing from src/store', () => {
    expect([...offences('src/gateway', under('src/store')), ...offences('src/http', under('src/store'))]).toEqual([]);
  });

  it('sees the imports it checks', () => {
    expect(importsOf('src/core/delivery/deliver.ts')).toContain('src/core/delivery/send.js');
    expect(importsOf('src/store/redis-client.ts')).toContain('ioredis');
  });
});
