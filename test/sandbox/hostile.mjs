// A stand-in for a compromised runtime inside the sandbox: it speaks the frame protocol on
// fd 3 / fd 4 and, asked, tries what a hostile model would (network, writes, floods, spins).
import fs from 'node:fs';
import net from 'node:net';

const [what, target] = process.argv.slice(2);
const input = new net.Socket({ fd: 3, readable: true, writable: false });
const output = new net.Socket({ fd: 4, readable: false, writable: true });
function reply(header, payload = Buffer.alloc(0)) {
  const json = Buffer.from(JSON.stringify({ ...header, bytes: payload.length }));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length);
  output.write(Buffer.concat([len, json]));
  if (payload.length) output.write(payload);
}
input.once('data', () => {
  if (what === 'echo') reply({ type: 'ok', uid: process.getuid(), cwd: process.cwd() });
  if (what === 'connect') {
    const s = net.connect(Number(target), '127.0.0.1');
    s.on('connect', () => reply({ type: 'connected' }));
    s.on('error', (e) => reply({ type: 'refused', code: e.code }));
  }
  if (what === 'write') {
    const results = {};
    for (const p of target.split(',')) {
      try {
        fs.writeFileSync(p, 'x');
        results[p] = 'written';
      } catch (e) {
        results[p] = e.code;
      }
    }
    reply({ type: 'wrote', results });
  }
  if (what === 'read') {
    try {
      reply({ type: 'read', text: fs.readFileSync(target, 'utf8').slice(0, 100) });
    } catch (e) {
      reply({ type: 'read', code: e.code });
    }
  }
  if (what === 'flood') reply({ type: 'flood' }, Buffer.alloc(Number(target)));
  if (what === 'announce') {
    // A header announcing 1 GiB, then nothing: refused from the header alone.
    const json = Buffer.from(JSON.stringify({ type: 'big', bytes: 1 << 30 }));
    const len = Buffer.alloc(4);
    len.writeUInt32LE(json.length);
    output.write(Buffer.concat([len, json]));
  }
  if (what === 'affinity') {
    // The CPUs this process may run on, as the kernel reports them (e.g. "0" or "0-1").
    const status = fs.readFileSync('/proc/self/status', 'utf8');
    reply({ type: 'affinity', cpus: /^Cpus_allowed_list:\s*(\S+)/m.exec(status)?.[1] });
  }
  if (what === 'spin') for (;;);
  if (what === 'segv') process.kill(process.pid, 'SIGSEGV');
  if (what === 'stdout') {
    const line = 'x'.repeat(1023) + '\n';
    for (let i = 0; i < 4096; i++) process.stdout.write(line);
    reply({ type: 'printed' });
  }
});
