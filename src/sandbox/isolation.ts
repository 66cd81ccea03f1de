/**
 * Which isolation this host offers, probed once by really starting a child under it:
 * - `bwrap`: bubblewrap with every namespace unshared (user, pid, net, ipc, uts, cgroup), uid
 *   nobody, no capabilities, a read-only view of the system, a seccomp filter;
 * - `unshare`: util-linux unshare with a user + network + pid namespace (no network, but the
 *   file system is the host's: weaker, reported as such);
 * - `none`: a plain child process with only the rlimits. Refused for untrusted models unless
 *   the host opts out explicitly (`sandbox: { allow_unsandboxed: true }` in the challenge or
 *   PODIUM_ALLOW_UNSANDBOXED=1 for the server).
 */
import { spawnSync } from 'node:child_process';
import { UsageError } from '../problems.js';

export type Isolation = 'bwrap' | 'unshare' | 'none';

export interface IsolationPolicy {
  /** Use this isolation (tests force a level); default: the strongest that works here. */
  force?: Isolation;
  /** The host's explicit opt-out: run without namespaces when nothing else works. */
  allowUnsandboxed?: boolean;
}

let probed: { bwrap: boolean; unshare: boolean } | undefined;

function works(cmd: string, args: string[]): boolean {
  try {
    return spawnSync(cmd, args, { stdio: 'ignore', timeout: 10_000 }).status === 0;
  } catch {
    return false;
  }
}

export function probeIsolation(): { bwrap: boolean; unshare: boolean } {
  probed ??= {
    bwrap: works('bwrap', ['--unshare-all', '--uid', '65534', '--gid', '65534', '--cap-drop', 'ALL', '--ro-bind', '/', '/', '--proc', '/proc', '--dev', '/dev', '--', 'true']),
    unshare: works('unshare', ['--user', '--map-root-user', '--net', '--pid', '--fork', '--', 'true']),
  };
  return probed;
}

/** The isolation to use under `policy`, or a one-line refusal saying how to opt out. */
export function chooseIsolation(policy: IsolationPolicy = {}): Isolation {
  const have = probeIsolation();
  if (policy.force) {
    if (policy.force === 'none' && !policy.allowUnsandboxed) {
      throw new UsageError('refusing to run a model without a sandbox: the host has not opted out (allow_unsandboxed)');
    }
    if (policy.force !== 'none' && !have[policy.force]) throw new UsageError(`sandbox "${policy.force}" does not work on this host`);
    return policy.force;
  }
  if (have.bwrap) return 'bwrap';
  if (have.unshare) return 'unshare';
  if (policy.allowUnsandboxed) return 'none';
  throw new UsageError(
    'refusing to run a model without a sandbox: neither bubblewrap (bwrap) nor unshare can create namespaces here; ' +
      'install bubblewrap, or opt out explicitly with sandbox.allow_unsandboxed in the challenge (PODIUM_ALLOW_UNSANDBOXED=1 for the server)',
  );
}
