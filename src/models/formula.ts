/**
 * The composite-score formulas a challenge may declare (NTIRE efficient-SR style), e.g.
 *   `accuracy - 0.05 * log2(relative)` or `0.7 * accuracy / max(accuracy_ref, 1e-9) + 0.3 * latency_ref_ms / latency_ms`.
 * A small recursive-descent parser over numbers, named variables, + - * / ^, unary minus,
 * parentheses and a fixed set of functions; no property access, no calls of anything else,
 * so a yaml file cannot run code. Unknown names are reported when the formula is parsed.
 */
type Node =
  | { k: 'num'; v: number }
  | { k: 'var'; name: string }
  | { k: 'neg'; a: Node }
  | { k: 'bin'; op: string; a: Node; b: Node }
  | { k: 'call'; fn: string; args: Node[] };

const FUNCTIONS: Record<string, (...xs: number[]) => number> = {
  log: Math.log, log2: Math.log2, log10: Math.log10, exp: Math.exp, sqrt: Math.sqrt, abs: Math.abs,
  min: Math.min, max: Math.max,
};

export interface Formula {
  source: string;
  variables: string[];
  evaluate(vars: Record<string, number>): number;
}

export function parseFormula(source: string, allowed: readonly string[]): Formula {
  const tokens = source.match(/\s*(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|[A-Za-z_][A-Za-z0-9_]*|\*\*|[-+*/^(),])\s*/gy);
  if (!tokens || tokens.join('').length !== source.length) throw new Error(`formula "${source}": unexpected character`);
  const toks = tokens.map((t) => t.trim());
  let i = 0;
  const used = new Set<string>();
  const peek = () => toks[i];
  const expect = (t: string) => {
    if (toks[i] !== t) throw new Error(`formula "${source}": expected "${t}"${toks[i] ? ` at "${toks[i]}"` : ' at the end'}`);
    i++;
  };
  const expr = (): Node => {
    let a = term();
    while (peek() === '+' || peek() === '-') a = { k: 'bin', op: toks[i++], a, b: term() };
    return a;
  };
  const term = (): Node => {
    let a = unary();
    while (peek() === '*' || peek() === '/') a = { k: 'bin', op: toks[i++], a, b: unary() };
    return a;
  };
  const unary = (): Node => (peek() === '-' ? (i++, { k: 'neg', a: unary() }) : peek() === '+' ? (i++, unary()) : power());
  const power = (): Node => {
    const a = atom();
    if (peek() === '^' || peek() === '**') {
      i++;
      return { k: 'bin', op: '^', a, b: unary() };
    }
    return a;
  };
  const atom = (): Node => {
    const t = toks[i++];
    if (t === undefined) throw new Error(`formula "${source}": ends too early`);
    if (t === '(') {
      const e = expr();
      expect(')');
      return e;
    }
    if (/^[\d.]/.test(t)) return { k: 'num', v: Number(t) };
    if (/^[A-Za-z_]/.test(t)) {
      if (peek() === '(') {
        if (!FUNCTIONS[t]) throw new Error(`formula "${source}": unknown function ${t}; expected ${Object.keys(FUNCTIONS).join(', ')}`);
        i++;
        const args = [expr()];
        while (peek() === ',') {
          i++;
          args.push(expr());
        }
        expect(')');
        return { k: 'call', fn: t, args };
      }
      if (!allowed.includes(t)) throw new Error(`formula "${source}": unknown name ${t}; expected ${allowed.join(', ')}`);
      used.add(t);
      return { k: 'var', name: t };
    }
    throw new Error(`formula "${source}": unexpected "${t}"`);
  };
  const root = expr();
  if (i !== toks.length) throw new Error(`formula "${source}": unexpected "${toks[i]}"`);
  const ev = (n: Node, vars: Record<string, number>): number => {
    switch (n.k) {
      case 'num': return n.v;
      case 'var': return vars[n.name] ?? NaN;
      case 'neg': return -ev(n.a, vars);
      case 'call': return FUNCTIONS[n.fn](...n.args.map((a) => ev(a, vars)));
      case 'bin': {
        const a = ev(n.a, vars);
        const b = ev(n.b, vars);
        return n.op === '+' ? a + b : n.op === '-' ? a - b : n.op === '*' ? a * b : n.op === '/' ? a / b : a ** b;
      }
    }
  };
  return { source, variables: [...used], evaluate: (vars) => ev(root, vars) };
}
