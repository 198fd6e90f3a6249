/**
 * ejabberd as the relay bench's peer: Debian's package (installed with apt-get when
 * missing), run on loopback with a private configuration in a temporary folder — c2s
 * without TLS, SASL ANONYMOUS, no shaper, no modules — pinned to the server core.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './parley-process.js';

const ejabberdctl = '/usr/sbin/ejabberdctl';

export interface Ejabberd {
  port: number;
  /** The Erlang VM's pid (what the CPU figures read). */
  pid: number;
  stop(): Promise<void>;
}

/** Installs ejabberd if it is missing; the reason it cannot be had, or undefined. */
export function ensureEjabberd(): string | undefined {
  if (existsSync(ejabberdctl)) return undefined;
  try {
    execFileSync('apt-get', ['install', '-y', '-q', 'ejabberd'], { stdio: 'ignore', timeout: 300_000, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } catch (err) {
    return `apt-get install ejabberd failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
  }
  return existsSync(ejabberdctl) ? undefined : 'the ejabberd package installed no ejabberdctl';
}

function config(port: number): string {
  return `hosts:
  - localhost
loglevel: warning
listen:
  -
    port: ${port}
    ip: "127.0.0.1"
    module: ejabberd_c2s
    max_stanza_size: 262144
    shaper: none
    access: c2s
auth_method: [anonymous]
anonymous_protocol: sasl_anon
allow_multiple_connections: true
acl:
  local:
    user_regexp: ""
access_rules:
  c2s:
    allow: all
shaper_rules: {}
modules: {}
`;
}

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1', () => (socket.destroy(), resolve(true)));
    socket.on('error', () => resolve(false));
  });

/** The beam.smp process under `parent` (ejabberdctl runs it through su). */
function beamUnder(parent: number): number | undefined {
  const children = (pid: number) => {
    try {
      return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
    } catch {
      return [];
    }
  };
  for (let queue = [parent]; queue.length > 0; ) {
    const pid = queue.shift()!;
    if (execFileSync('ps', ['-o', 'comm=', '-p', String(pid)], { encoding: 'utf8' }).trim() === 'beam.smp') return pid;
    queue.push(...children(pid));
  }
  return undefined;
}

export async function startEjabberd(cpus: string): Promise<Ejabberd> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-ejabberd-'));
  const port = await freePort();
  writeFileSync(join(dir, 'ejabberd.yml'), config(port));
  writeFileSync(join(dir, 'ejabberdctl.cfg'), '');
  const owner = Number(execFileSync('id', ['-u', 'ejabberd'], { encoding: 'utf8' }));
  chownSync(dir, owner, owner);
  const node = `parleybench${randomBytes(4).toString('hex')}@localhost`;
  const args = ['--config-dir', dir, '--spool', join(dir, 'db'), '--logs', dir, '--node', node, 'foreground'];
  const child: ChildProcess = spawn('/usr/bin/taskset', ['-c', cpus, ejabberdctl, ...args], { stdio: 'ignore', detached: true });
  const deadline = Date.now() + 60_000;
  while (!(await listening(port))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`ejabberd did not start (see ${dir})`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const beam = beamUnder(child.pid!) ?? child.pid!;
  return {
    port,
    pid: beam,
    async stop() {
      try {
        execFileSync(ejabberdctl, ['--config-dir', dir, '--node', node, 'stop'], { stdio: 'ignore', timeout: 20_000 });
      } catch {
        // not answering: killed below
      }
      for (let tries = 0; tries < 50 && (await listening(port)); tries++) await new Promise((resolve) => setTimeout(resolve, 200));
      // The VM runs under su, outside ejabberdctl's process group: it is stopped by its own pid.
      try {
        process.kill(beam, 'SIGKILL');
      } catch {
        // already gone
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
