/**
 * The HTTP client behind `podium submit`, `podium leaderboard` and `podium status`: server URL
 * and token from flags or PODIUM_URL / PODIUM_TOKEN, and server errors turned into one clear
 * line (a user's mistake exits 2, never a stack trace).
 */
import { UsageError, ValidationError, type Problem } from '../problems.js';

export const DEFAULT_URL = 'http://127.0.0.1:3000';

export const clientFlags = {
  url: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
} as const;

export interface Client {
  url: string;
  token?: string;
}

export function clientFrom(flags: { url?: string; token?: string }): Client {
  const url = (flags.url ?? process.env.PODIUM_URL ?? DEFAULT_URL).replace(/\/+$/, '');
  if (!/^https?:\/\//.test(url)) throw new UsageError(`server URL must start with http:// or https://, got "${url}"`);
  return { url, token: flags.token ?? process.env.PODIUM_TOKEN ?? undefined };
}

export function requireToken(client: Client, command: string): string {
  if (!client.token) {
    throw new UsageError(`${command}: no token; pass --token or set PODIUM_TOKEN (register with POST ${client.url}/api/participants or on ${client.url}/register)`);
  }
  return client.token;
}

export class HttpError extends UsageError {
  constructor(readonly status: number, message: string, readonly body: Record<string, unknown>) {
    super(message);
  }
}

export async function request(client: Client, method: string, path: string, body?: FormData | Record<string, unknown>): Promise<Record<string, any>> {
  const headers: Record<string, string> = {};
  if (client.token) headers.authorization = `Bearer ${client.token}`;
  let payload: FormData | string | undefined;
  if (body instanceof FormData) payload = body;
  else if (body) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let res: Response;
  try {
    res = await fetch(client.url + path, { method, headers, body: payload });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new UsageError(`cannot reach the podium server at ${client.url} (${cause?.code ?? cause?.message ?? (e as Error).message}); start it with \`podium serve\` or set --url / PODIUM_URL`);
  }
  const text = await res.text();
  let data: Record<string, any>;
  try {
    data = text ? (JSON.parse(text) as Record<string, any>) : {};
  } catch {
    throw new UsageError(`${method} ${path}: the server answered ${res.status} with something that is not JSON`);
  }
  if (!res.ok) {
    if (res.status === 400 && Array.isArray(data.errors) && data.errors.length && typeof data.errors[0] === 'object') {
      // The server's list is capped; an `omitted` entry stands for the rest, and `total` counts them all.
      const problems = (data.errors as Problem[]).filter((p) => !p.omitted).map(({ file, line, row, column, message }) => ({ file, line, row, column, message }));
      const total = typeof data.total === 'number' ? data.total : (data.errors as Problem[]).reduce((n, p) => n + (p.omitted ?? 1), 0);
      throw new ValidationError(problems, total);
    }
    let message = String(data.error ?? `HTTP ${res.status}`);
    if (res.status === 429 && data.resets_at) message += ` (retry after ${data.resets_at})`;
    throw new HttpError(res.status, message, data);
  }
  return data;
}

export function formatScore(v: unknown): string {
  if (typeof v !== 'number') return 'n/a';
  return String(Number(v.toPrecision(5)));
}

/**
 * Text from the server made safe for a terminal: control characters (escape sequences, carriage
 * returns) and bidirectional overrides are dropped, so a team name cannot rewrite the screen.
 */
export function printable(text: unknown): string {
  return String(text ?? '').replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '');
}

/** Left-aligned text table with a header row; every cell made printable. */
export function table(header: string[], rawRows: string[][]): string {
  const rows = rawRows.map((r) => r.map(printable));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (c ?? '').padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}
