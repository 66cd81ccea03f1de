/**
 * A seccomp-bpf filter for the sandboxed child, handed to bubblewrap (`--seccomp FD`), which
 * installs it after setting no_new_privs. Deny-list on top of the namespaces: system calls a
 * model runtime never needs and that widen an escape (ptrace, mount, module loading, bpf, new
 * namespaces, keyrings, perf), and socket() of any family but AF_UNIX (the network namespace
 * already has no route out; this makes the attempt itself fatal and visible). A refused call
 * kills the process with SIGSYS, which the parent reports as "refused system call".
 *
 * Format: an array of `struct sock_filter { u16 code; u8 jt; u8 jf; u32 k; }` (linux/filter.h),
 * little-endian; `struct seccomp_data { int nr; u32 arch; u64 ip; u64 args[6]; }` gives the
 * offsets 0 (nr), 4 (arch) and 16 (args[0], low word on little-endian machines).
 */

const BPF_LD_W_ABS = 0x20;
const BPF_JEQ_K = 0x15;
const BPF_RET_K = 0x06;
const SECCOMP_RET_KILL_PROCESS = 0x80000000;
const SECCOMP_RET_ALLOW = 0x7fff0000;
const AF_UNIX = 1;

interface ArchTable {
  audit: number;
  socket: number;
  denied: Record<string, number>;
}

/** Syscall numbers: linux arch/x86/entry/syscalls/syscall_64.tbl, include/uapi/asm-generic/unistd.h (arm64). */
const ARCHES: Record<string, ArchTable> = {
  x64: {
    audit: 0xc000003e,
    socket: 41,
    denied: {
      ptrace: 101, mount: 165, umount2: 166, pivot_root: 155, chroot: 161, swapon: 167, swapoff: 168, reboot: 169,
      sethostname: 170, setdomainname: 171, init_module: 175, delete_module: 176, finit_module: 313,
      kexec_load: 246, kexec_file_load: 320, bpf: 321, perf_event_open: 298, keyctl: 250, add_key: 248,
      request_key: 249, unshare: 272, setns: 308, process_vm_readv: 310, process_vm_writev: 311,
      userfaultfd: 323, open_by_handle_at: 304, fsopen: 430, fsmount: 432, move_mount: 429, open_tree: 428,
    },
  },
  arm64: {
    audit: 0xc00000b7,
    socket: 198,
    denied: {
      ptrace: 117, mount: 40, umount2: 39, pivot_root: 41, chroot: 51, swapon: 224, swapoff: 225, reboot: 142,
      sethostname: 161, setdomainname: 162, init_module: 105, delete_module: 106, finit_module: 273,
      kexec_load: 104, kexec_file_load: 294, bpf: 280, perf_event_open: 241, keyctl: 219, add_key: 217,
      request_key: 218, unshare: 97, setns: 268, process_vm_readv: 270, process_vm_writev: 271,
      userfaultfd: 282, open_by_handle_at: 265, fsopen: 430, fsmount: 432, move_mount: 429, open_tree: 428,
    },
  },
};

/** The names of the refused system calls (for the failure message and the docs). */
export function refusedSyscalls(): string[] {
  const table = ARCHES[process.arch];
  return table ? [...Object.keys(table.denied), 'socket (except AF_UNIX)'] : [];
}

/** The compiled filter for this machine's architecture, or null where none is defined. */
export function seccompProgram(arch: string = process.arch): Buffer | null {
  const table = ARCHES[arch];
  if (!table) return null;
  return encode(layout(table));
}

function layout(table: ArchTable): [number, number, number, number][] {
  const denied = Object.values(table.denied);
  const out: [number, number, number, number][] = [];
  out.push([BPF_LD_W_ABS, 0, 0, 4]); // 0: arch
  out.push([BPF_JEQ_K, 1, 0, table.audit]); // 1: same arch → skip the kill
  out.push([BPF_RET_K, 0, 0, SECCOMP_RET_KILL_PROCESS]); // 2
  out.push([BPF_LD_W_ABS, 0, 0, 0]); // 3: nr
  // 4 .. 4+n-1: each refused number jumps to KILL at index 4+n+5.
  const killAt = 4 + denied.length + 5;
  denied.forEach((nr, i) => {
    const at = 4 + i;
    out.push([BPF_JEQ_K, killAt - (at + 1), 0, nr]);
  });
  const s = 4 + denied.length;
  out.push([BPF_JEQ_K, 0, 3, table.socket]); // s: socket? else jump to ALLOW at s+4
  out.push([BPF_LD_W_ABS, 0, 0, 16]); // s+1: args[0] (family)
  out.push([BPF_JEQ_K, 1, 0, AF_UNIX]); // s+2: AF_UNIX → ALLOW at s+4
  out.push([BPF_RET_K, 0, 0, SECCOMP_RET_KILL_PROCESS]); // s+3
  out.push([BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW]); // s+4
  out.push([BPF_RET_K, 0, 0, SECCOMP_RET_KILL_PROCESS]); // s+5 = killAt
  return out;
}

function encode(prog: [number, number, number, number][]): Buffer {
  const buf = Buffer.alloc(prog.length * 8);
  prog.forEach(([code, jt, jf, k], i) => {
    buf.writeUInt16LE(code, i * 8);
    buf.writeUInt8(jt, i * 8 + 2);
    buf.writeUInt8(jf, i * 8 + 3);
    buf.writeUInt32LE(k >>> 0, i * 8 + 4);
  });
  return buf;
}
