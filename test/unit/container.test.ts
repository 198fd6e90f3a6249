import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * The container files (Dockerfile, docker-compose.yml) as an operator relies on them. No
 * image is built here (no Docker daemon nor image registry on the test machines), so what
 * can break without one is checked: every file the image copies exists, the image runs
 * unprivileged with a health check and a data volume, and compose pins its images and
 * gives every service a health check and a restart policy.
 */
const dockerfile = readFileSync('Dockerfile', 'utf8');
const instructions = dockerfile
  .replace(/\\\n\s*/g, ' ')
  .split('\n')
  .filter((line) => line.trim() !== '' && !line.startsWith('#'))
  .map((line) => {
    const [keyword, ...rest] = line.trim().split(/\s+/);
    return { keyword: keyword!.toUpperCase(), args: rest.join(' ') };
  });
const stages = instructions.filter((i) => i.keyword === 'FROM');
const finalStage = instructions.slice(instructions.lastIndexOf(stages[stages.length - 1]!));

interface ComposeService {
  image?: string;
  build?: unknown;
  restart?: string;
  healthcheck?: { test?: unknown };
  env_file?: string;
  stop_grace_period?: string;
}
const compose = parse(readFileSync('docker-compose.yml', 'utf8')) as { services: Record<string, ComposeService> };

describe('Dockerfile', () => {
  it('builds in one stage and runs from another, on a pinned Node 20 image', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage.args).toMatch(/^node:20\.\d+[\w.-]*(\s+AS\s+\w+)?$/i);
  });

  it('copies only files that exist in the repository', () => {
    const copied = instructions.filter((i) => (i.keyword === 'COPY' || i.keyword === 'ADD') && !i.args.startsWith('--from'));
    expect(copied.length).toBeGreaterThan(0);
    for (const { args } of copied) {
      const sources = args.split(/\s+/).slice(0, -1);
      for (const source of sources) expect(existsSync(source), `COPY ${source}`).toBe(true);
    }
  });

  it('runs as the unprivileged node user, with a health check on /health and DATA_DIR on a volume', () => {
    const user = finalStage.filter((i) => i.keyword === 'USER').at(-1);
    expect(user?.args).toBe('node');
    expect(finalStage.find((i) => i.keyword === 'HEALTHCHECK')?.args).toContain('/health');
    const dataDir = /DATA_DIR=(\S+)/.exec(finalStage.find((i) => i.keyword === 'ENV')?.args ?? '')?.[1];
    expect(dataDir).toBeDefined();
    expect(finalStage.find((i) => i.keyword === 'VOLUME')?.args).toContain(dataDir);
    expect(finalStage.find((i) => i.keyword === 'CMD')?.args).toContain('dist/main.js');
  });

  it('leaves secrets and local state out of the build context', () => {
    const ignored = readFileSync('.dockerignore', 'utf8').split('\n').map((l) => l.trim());
    for (const path of ['node_modules', '.env', 'dist']) expect(ignored.some((l) => l === path || l === `${path}/` || l === `/${path}`), path).toBe(true);
  });
});

describe('docker-compose.yml', () => {
  it('pins every image to a version, and builds Parley from this repository', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      if (service.image) expect(service.image, name).toMatch(/^[\w./-]+:\d+(\.\d+)+[\w.-]*$/);
      else expect(service.build, name).toBe('.');
    }
  });

  it('gives every service a health check and a restart policy', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      expect(service.healthcheck?.test, name).toBeDefined();
      expect(service.restart, name).toMatch(/^(always|unless-stopped|on-failure)/);
    }
  });

  it('takes Parley\'s secrets from an env file whose example names every one, and gives it a grace period to stop', () => {
    const parley = compose.services.parley!;
    expect(parley.env_file).toBe('.env');
    expect(parley.stop_grace_period).toMatch(/^\d+s$/);
    const example = readFileSync('.env.example', 'utf8');
    for (const name of ['POSTGRES_PASSWORD', 'IM_APPS', 'ADMIN_TOKEN']) expect(example).toMatch(new RegExp(`^${name}=`, 'm'));
  });
});
