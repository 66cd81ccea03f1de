/**
 * Starts a command inside the sandbox and talks to it in frames (frames.ts).
 *
 * Layers, outermost first: `taskset -c N` (CPU affinity, when asked), `prlimit` (RLIMIT_DATA
 * for memory, RLIMIT_CPU with SIGXCPU at the limit and SIGKILL a second later, RLIMIT_FSIZE,
 * RLIMIT_NOFILE, no core files), then the isolation (isolation.ts): bubblewrap with all
 * namespaces unshared, uid nobody, no capabilities, a read-only root holding only /usr (and
 * the /lib, /bin links), /proc, a minimal /dev, the read-only mounts asked for and one
 * writable scratch folder, and the seccomp filter (seccomp.ts). Paths inside are the same as
 * outside, so the command's arguments do not depend on the isolation level.
 *
 * The parent enforces what the kernel cannot see: wall time (the whole process group is
 * killed), and the bytes coming back (frames over the output budget are refused unread; stdout
 * and stderr are kept up to a cap and otherwise counted and dropped).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { chooseIsolation, type Isolation, type IsolationPolicy } from './isolation.js';
import { classifyExit, type SandboxFailure } from './failure.js';
import { FrameOverflow, readFrames, writeFrame, type Frame, type FrameHeader } from './frames.js';
import type { SandboxLimits } from './limits.js';
import { seccompProgram } from './seccomp.js';

export interface Mount {
  /** Host path; visible at the same path inside. */
  path: string;
  writable?: boolean;
}

export interface SandboxSpec {
  /** argv, argv[0] an absolute executable path. */
  argv: string[];
  /** Read-only (or, with `writable`, read-write) paths the command needs. */
  mounts: Mount[];
  /** The one writable folder (created if missing); also HOME and TMPDIR. */
  scratch: string;
  limits: SandboxLimits;
  policy?: IsolationPolicy;
  /** Extra environment (the rest is cleared: only PATH, HOME, TMPDIR, LANG are set). */
  env?: Record<string, string>;
}

export interface SandboxExit {
  code: number | null;
  signal: string | null;
  /** Set when the run did not end with exit code 0 (or ended by our `close`). */
  failure?: SandboxFailure;
  stderrTail: string;
  stdoutTail: string;
  wallMs: number;
  isolation: Isolation;
}

export interface SandboxProcess {
  readonly isolation: Isolation;
  readonly pid: number | undefined;
  /** Sends one frame and resolves with the next frame the child sends back. */
  request(header: FrameHeader, payload?: Buffer | Uint8Array[]): Promise<Frame>;
  /** Ends the run: closes the request pipe and waits for the exit. */
  close(): Promise<SandboxExit>;
  /** Kills the whole sandbox now, recording `failure` as the reason. */
  kill(failure: SandboxFailure): void;
  readonly exited: Promise<SandboxExit>;
}

/** Thrown by `request` when the child died or broke protocol; carries the classified reason. */
export class SandboxError extends Error {
  constructor(readonly failure: SandboxFailure, readonly exit?: SandboxExit) {
    super(failure.message);
    this.name = 'SandboxError';
  }
}

function existing(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/** bwrap arguments for the system view: /usr read-only, and /lib*, /bin, /sbin as on the host (links or binds). */
function systemView(): string[] {
  const args = ['--ro-bind', '/usr', '/usr'];
  for (const top of ['/lib', '/lib64', '/lib32', '/bin', '/sbin']) {
    if (!existing(top)) continue;
    const st = fs.lstatSync(top);
    if (st.isSymbolicLink()) args.push('--symlink', fs.readlinkSync(top), top);
    else args.push('--ro-bind', top, top);
  }
  return args;
}

/** Mount arguments for one host path, following symlinks so the same path resolves inside. */
function mountArgs(m: Mount, seen: Set<string>): string[] {
  const out: string[] = [];
  let p = path.resolve(m.path);
  for (let hops = 0; hops < 16 && existing(p) && fs.lstatSync(p).isSymbolicLink(); hops++) {
    const target = path.resolve(path.dirname(p), fs.readlinkSync(p));
    if (!seen.has(p)) out.push('--symlink', target, p);
    seen.add(p);
    p = target;
  }
  if (!seen.has(p) && existing(p)) {
    out.push(m.writable ? '--bind' : '--ro-bind', p, p);
    seen.add(p);
  }
  return out;
}

function buildCommand(spec: SandboxSpec, isolation: Isolation, seccompFd: number | null): { cmd: string; args: string[] } {
  const { limits } = spec;
  const mb = (n: number) => String(Math.floor(n * 1024 * 1024));
  const outer: string[] = [];
  if (limits.cpu !== undefined) outer.push('taskset', '-c', String(limits.cpu));
  outer.push(
    'prlimit',
    `--data=${mb(limits.memoryMb)}`,
    `--cpu=${Math.ceil(limits.cpuSeconds)}:${Math.ceil(limits.cpuSeconds) + 1}`,
    `--fsize=${mb(limits.fileMb)}`,
    '--nofile=256',
    '--core=0',
    '--',
  );
  let inner: string[];
  if (isolation === 'bwrap') {
    const seen = new Set<string>(['/usr']);
    inner = [
      'bwrap', '--unshare-all', '--die-with-parent', '--new-session', '--cap-drop', 'ALL',
      '--uid', '65534', '--gid', '65534', '--hostname', 'sandbox',
      ...systemView(), '--proc', '/proc', '--dev', '/dev',
    ];
    // The node binary when it is not under /usr (nvm, a tarball install).
    const nodeDir = path.dirname(path.dirname(fs.realpathSync(spec.argv[0])));
    if (!nodeDir.startsWith('/usr/') && nodeDir !== '/usr') inner.push(...mountArgs({ path: nodeDir }, seen));
    for (const m of spec.mounts) inner.push(...mountArgs(m, seen));
    inner.push(...mountArgs({ path: spec.scratch, writable: true }, seen));
    inner.push('--remount-ro', '/', '--chdir', spec.scratch);
    if (seccompFd !== null) inner.push('--seccomp', String(seccompFd));
    inner.push('--');
  } else if (isolation === 'unshare') {
    inner = ['unshare', '--user', '--map-root-user', '--net', '--pid', '--fork', '--kill-child', '--'];
  } else {
    inner = [];
  }
  const all = [...outer, ...inner, ...spec.argv];
  return { cmd: all[0], args: all.slice(1) };
}

/** A byte sink that keeps the last `cap` bytes of a stream (the end holds the reason). */
function tail(stream: Readable, cap: number): () => string {
  let kept = Buffer.alloc(0);
  let dropped = 0;
  stream.on('data', (b: Buffer) => {
    kept = Buffer.concat([kept, b]);
    if (kept.length > cap) {
      dropped += kept.length - cap;
      kept = kept.subarray(kept.length - cap);
    }
  });
  return () => (dropped ? `[${dropped} bytes dropped]\n` : '') + kept.toString('utf8');
}

export function spawnSandboxed(spec: SandboxSpec): SandboxProcess {
  const isolation = chooseIsolation(spec.policy);
  fs.mkdirSync(spec.scratch, { recursive: true });
  const program = isolation === 'bwrap' ? seccompProgram() : null;
  let seccompFile: string | null = null;
  let seccompFdHost: number | null = null;
  if (program) {
    seccompFile = path.join(os.tmpdir(), `podium-seccomp-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.bpf`);
    fs.writeFileSync(seccompFile, program);
    seccompFdHost = fs.openSync(seccompFile, 'r');
    fs.unlinkSync(seccompFile);
  }
  const { cmd, args } = buildCommand(spec, isolation, program ? 5 : null);
  const stdio: (string | number)[] = ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'];
  if (seccompFdHost !== null) stdio.push(seccompFdHost);
  const started = performance.now();
  const child: ChildProcess = spawn(cmd, args, {
    stdio: stdio as ('pipe' | 'ignore' | number)[],
    detached: true, // own process group: a wall-time kill reaches every process of the run
    env: {
      PATH: '/usr/local/bin:/usr/bin:/bin',
      HOME: spec.scratch,
      TMPDIR: spec.scratch,
      LANG: 'C.UTF-8',
      ...spec.env,
    },
  });
  if (seccompFdHost !== null) fs.closeSync(seccompFdHost);
  const logCap = spec.limits.logKb * 1024;
  const stdoutTail = tail(child.stdout!, logCap);
  const stderrTail = tail(child.stderr!, logCap);
  const requests = child.stdio[3] as Writable;
  const responses = child.stdio[4] as Readable;
  requests.on('error', () => {}); // EPIPE when the child is gone: its exit reports why

  let ourFailure: SandboxFailure | undefined;
  const pending: { resolve: (f: Frame) => void; reject: (e: Error) => void }[] = [];
  const killGroup = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  };
  const kill = (failure: SandboxFailure) => {
    ourFailure ??= failure;
    killGroup();
  };
  const timer = setTimeout(
    () => kill({ kind: 'timeout', message: `timed out: the run took longer than the ${spec.limits.wallSeconds} s wall-time limit` }),
    spec.limits.wallSeconds * 1000,
  );
  timer.unref();

  readFrames(
    responses,
    spec.limits.outputMb * 1024 * 1024,
    (frame) => pending.shift()?.resolve(frame),
    (e) =>
      kill(
        e instanceof FrameOverflow
          ? { kind: 'output', message: `output too large: the model's results exceed the ${spec.limits.outputMb} MiB output limit (${e.declared} bytes)` }
          : { kind: 'crash', message: `the runner broke protocol (${e.message})` },
      ),
  );

  const exited = new Promise<SandboxExit>((resolve) => {
    child.on('error', (e) => {
      ourFailure ??= { kind: 'error', message: `could not start the sandbox (${cmd}): ${e.message}` };
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const sigNum = signal ? os.constants.signals[signal] : null;
      const err = stderrTail();
      const failure =
        ourFailure ?? (code === 0 && !signal ? undefined : classifyExit(code, sigNum, err, spec.limits));
      const exit: SandboxExit = {
        code, signal, failure, stderrTail: err, stdoutTail: stdoutTail(), wallMs: performance.now() - started, isolation,
      };
      for (const p of pending.splice(0)) {
        p.reject(new SandboxError(failure ?? { kind: 'error', message: 'the runner exited before answering' }, exit));
      }
      resolve(exit);
    });
  });

  return {
    isolation,
    pid: child.pid,
    exited,
    request(header, payload) {
      return new Promise<Frame>((resolve, reject) => {
        pending.push({ resolve, reject });
        writeFrame(requests, header, payload);
      });
    },
    async close() {
      requests.end();
      const grace = setTimeout(killGroup, 5000);
      const exit = await exited;
      clearTimeout(grace);
      return exit;
    },
    kill,
  };
}
