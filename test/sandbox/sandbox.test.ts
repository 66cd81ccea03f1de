// The sandbox layer on its own, with a stand-in for a compromised runtime (hostile.mjs): what
// it can reach, what it cannot, and that every way of failing comes back as a clear reason.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSandboxed, SandboxError, type SandboxSpec } from '../../src/sandbox/spawn.js';
import { DEFAULT_SANDBOX_LIMITS, limitsFromConfig } from '../../src/sandbox/limits.js';
import { chooseIsolation, probeIsolation } from '../../src/sandbox/isolation.js';
import { seccompProgram } from '../../src/sandbox/seccomp.js';

const hostile = path.join(path.dirname(fileURLToPath(import.meta.url)), 'hostile.mjs');
let root: string;
let scratch: string;

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'podium-sandbox-'));
  scratch = path.join(root, 'scratch');
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function run(what: string, arg = '', limits: Partial<SandboxSpec['limits']> = {}, spec: Partial<SandboxSpec> = {}) {
  return spawnSandboxed({
    argv: [process.execPath, hostile, what, arg],
    mounts: [{ path: hostile }],
    scratch,
    limits: { ...DEFAULT_SANDBOX_LIMITS, wallSeconds: 60, ...limits },
    ...spec,
  });
}

async function ask(what: string, arg = '', limits: Partial<SandboxSpec['limits']> = {}) {
  const p = run(what, arg, limits);
  const answer = await p.request({ type: 'go' }).then((f) => f.header, (e: unknown) => e);
  const exit = await p.close();
  return { answer, exit };
}

describe('isolation on this host', () => {
  it('has bubblewrap working (CI installs it), and chooses it', () => {
    expect(probeIsolation().bwrap).toBe(true);
    expect(chooseIsolation()).toBe('bwrap');
  });

  it('refuses to run without a sandbox unless the host opts out', () => {
    expect(() => chooseIsolation({ force: 'none' })).toThrow(/refusing to run a model without a sandbox/);
    expect(chooseIsolation({ force: 'none', allowUnsandboxed: true })).toBe('none');
  });

  it('builds a seccomp program of whole instructions for this architecture', () => {
    const prog = seccompProgram('x64')!;
    expect(prog.length % 8).toBe(0);
    expect(prog.readUInt16LE(prog.length - 8)).toBe(0x06); // ends in a RET
    expect(seccompProgram('mips')).toBeNull();
  });

  it('reads limits from a config and names a wrong one', () => {
    expect(limitsFromConfig({ memory_mb: 512, wall_s: 30 })).toMatchObject({ memoryMb: 512, wallSeconds: 30 });
    expect(() => limitsFromConfig({ memory: 1 })).toThrow(/unknown sandbox limit "memory"/);
    expect(() => limitsFromConfig({ wall_s: -1 })).toThrow(/positive/);
    expect(limitsFromConfig({ cpu: 0 })).toMatchObject({ cpu: 0 });
    expect(() => limitsFromConfig({ cpu: 1.5 })).toThrow(/sandbox limit cpu must be a CPU number \(0, 1, \.\.\.\)/);
  });
});

describe('inside bubblewrap', () => {
  it('runs as nobody in the scratch folder and answers', async () => {
    const { answer, exit } = await ask('echo');
    expect(answer).toMatchObject({ type: 'ok', uid: 65534, cwd: scratch });
    expect(exit.failure).toBeUndefined();
    expect(exit.isolation).toBe('bwrap');
  });

  it('pins the model to the CPU the config names (taskset), and to none unless asked', async () => {
    const last = os.cpus().length - 1;
    const pinned = await ask('affinity', '', { cpu: last });
    expect(pinned.answer).toMatchObject({ type: 'affinity', cpus: String(last) });
    const free = await ask('affinity');
    expect(free.answer).toMatchObject({ type: 'affinity', cpus: last === 0 ? '0' : `0-${last}` });
  });

  it('cannot reach a server on the host: the socket call is refused and the reason says so', async () => {
    const server = net.createServer((s) => s.end('secret'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    let connections = 0;
    server.on('connection', () => connections++);
    const port = (server.address() as net.AddressInfo).port;
    const { answer, exit } = await ask('connect', String(port));
    server.close();
    expect(answer).toBeInstanceOf(SandboxError);
    expect(exit.failure?.kind).toBe('syscall');
    expect(exit.failure?.message).toMatch(/refused system call/);
    expect(connections).toBe(0);
  });

  it('writes only in scratch: the system is read-only and the rest of the host is not there', async () => {
    const outside = path.join(root, 'outside.txt');
    const targets = ['/etc/podium-test', '/usr/podium-test', outside, path.join(scratch, 'ok.txt')];
    const { answer, exit } = await ask('write', targets.join(','));
    expect(exit.failure).toBeUndefined();
    const results = (answer as { results: Record<string, string> }).results;
    expect(results[path.join(scratch, 'ok.txt')]).toBe('written');
    for (const t of targets.slice(0, 3)) expect(results[t]).toMatch(/EROFS|ENOENT|EACCES/);
    expect(fs.existsSync(outside)).toBe(false);
    expect(fs.existsSync('/etc/podium-test')).toBe(false);
  });

  it('cannot read host files outside its mounts', async () => {
    const secret = path.join(root, 'truth.csv');
    fs.writeFileSync(secret, 'id,expected\n1,2\n');
    const { answer } = await ask('read', secret);
    expect(answer).toMatchObject({ type: 'read', code: 'ENOENT' });
  });

  it('a spinning child is killed at the wall-time limit with the reason', async () => {
    const { answer, exit } = await ask('spin', '', { wallSeconds: 3, cpuSeconds: 60 });
    expect((answer as SandboxError).failure.kind).toBe('timeout');
    expect(exit.failure?.message).toMatch(/timed out: .* 3 s wall-time limit/);
  });

  it('the CPU-time limit stops a spinning child before the wall limit', async () => {
    const { exit } = await ask('spin', '', { wallSeconds: 120, cpuSeconds: 2 });
    expect(exit.failure?.kind).toBe('cpu');
    expect(exit.failure?.message).toMatch(/CPU time limit/);
  });

  it('a crash is reported with its signal', async () => {
    const { exit } = await ask('segv');
    expect(exit.failure).toEqual({ kind: 'crash', message: 'the runtime crashed (SIGSEGV) while loading or running the model' });
  });

  it('refuses a reply over the output budget, from its header alone', async () => {
    const { answer, exit } = await ask('announce', '', { outputMb: 1 });
    expect((answer as SandboxError).failure.kind).toBe('output');
    expect(exit.failure?.message).toMatch(/output too large: .* 1 MiB output limit \(1073741\d+ bytes\)/);
  });

  it('refuses a flood over the output budget', async () => {
    const { exit } = await ask('flood', String(8 * 1024 * 1024), { outputMb: 2 });
    expect(exit.failure?.kind).toBe('output');
  });

  it('keeps only the tail of stdout, counting what it dropped', async () => {
    const { answer, exit } = await ask('stdout', '', { logKb: 4 });
    expect(answer).toMatchObject({ type: 'printed' });
    expect(exit.stdoutTail).toMatch(/^\[\d+ bytes dropped\]\n/);
    expect(exit.stdoutTail.length).toBeLessThan(5000);
  });
});
