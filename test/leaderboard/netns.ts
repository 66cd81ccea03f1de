/**
 * Two "hosts" on one machine for the fault tests: network namespaces joined to this one by veth
 * pairs (`ip netns`, root only), and a TCP relay in this process that lets them reach a
 * service listening on loopback here (PostgreSQL). Cutting a host's link (`ip link set down`)
 * leaves its processes running but unable to reach anything.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import net from 'node:net';

export interface Host {
  name: string;
  /** This machine's address as the namespace sees it. */
  gateway: string;
  /** `ip netns exec <name>`: run a command inside. */
  exec: string[];
  cut(): void;
  restore(): void;
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe' });
}

export function makeHosts(count: number): { hosts: Host[]; remove(): void } {
  const tag = crypto.randomBytes(2).toString('hex');
  const hosts: Host[] = [];
  const names: string[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const name = `pdm${tag}${i}`;
      const outside = `vh${tag}${i}`;
      const inside = `vn${tag}${i}`;
      const subnet = 100 + (parseInt(tag, 16) % 100);
      const gateway = `10.${subnet}.${i + 1}.1`;
      ip('netns', 'add', name);
      names.push(name);
      ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside);
      ip('link', 'set', inside, 'netns', name);
      ip('addr', 'add', `${gateway}/30`, 'dev', outside);
      ip('link', 'set', outside, 'up');
      ip('netns', 'exec', name, 'ip', 'addr', 'add', `10.${subnet}.${i + 1}.2/30`, 'dev', inside);
      ip('netns', 'exec', name, 'ip', 'link', 'set', inside, 'up');
      ip('netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up');
      hosts.push({
        name, gateway, exec: ['ip', 'netns', 'exec', name],
        cut: () => ip('link', 'set', outside, 'down'),
        restore: () => ip('link', 'set', outside, 'up'),
      });
    }
  } catch (e) {
    for (const n of names) execFileSync('ip', ['netns', 'del', n], { stdio: 'ignore' });
    throw e;
  }
  return { hosts, remove: () => { for (const n of names) execFileSync('ip', ['netns', 'del', n], { stdio: 'ignore' }); } };
}

/** Relays TCP from every address of this machine (port chosen) to `target` on loopback. */
export async function relay(targetPort: number, targetHost = '127.0.0.1'): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, targetHost);
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
