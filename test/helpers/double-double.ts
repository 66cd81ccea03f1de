/**
 * Double-double arithmetic (about 32 significant digits): a value is an unevaluated sum
 * hi + lo with |lo| <= ulp(hi)/2. Error-free transformations from Dekker (1971) and Knuth
 * (TAOCP 2, 4.2.2); the algorithms are those of Hida, Li & Bailey's QD library ("sloppy" add,
 * which is accurate to ~2^-104 relative for values of one sign, and to 2^-104 of the larger
 * operand otherwise). Test-only: a slow, independent recomputation to measure float64 code against.
 */

export type DD = readonly [number, number];

const SPLITTER = 134217729; // 2^27 + 1

function twoSum(a: number, b: number): [number, number] {
  const s = a + b;
  const bb = s - a;
  return [s, a - (s - bb) + (b - bb)];
}

function twoProd(a: number, b: number): [number, number] {
  const p = a * b;
  let t = SPLITTER * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b);
  const bl = b - bh;
  return [p, ah * bh - p + ah * bl + al * bh + al * bl];
}

export const dd = (x: number): DD => [x, 0];

export function add(a: DD, b: DD): DD {
  const [s, e] = twoSum(a[0], b[0]);
  const [t, f] = twoSum(a[1], b[1]);
  let lo = e + t;
  const [h1, l1] = twoSum(s, lo);
  lo = l1 + f;
  return twoSum(h1, lo);
}

export const neg = (a: DD): DD => [-a[0], -a[1]];
export const sub = (a: DD, b: DD): DD => add(a, neg(b));

export function mul(a: DD, b: DD): DD {
  const [p, e] = twoProd(a[0], b[0]);
  return twoSum(p, e + (a[0] * b[1] + a[1] * b[0]));
}

export function div(a: DD, b: DD): DD {
  // Long division: q1 = a/b, r = a - q1 b, q2 = r/b, ...
  const q1 = a[0] / b[0];
  let r = sub(a, mul(b, dd(q1)));
  const q2 = r[0] / b[0];
  r = sub(r, mul(b, dd(q2)));
  const q3 = r[0] / b[0];
  return add(twoSum(q1, q2), dd(q3));
}

export const toNumber = (a: DD): number => a[0] + a[1];

/** Natural log to ~30 digits: one Newton step on exp from the float64 log. */
export function log(a: DD): DD {
  const x = Math.log(a[0]);
  // log(a) = x + a * exp(-x) - 1, with exp(-x) to double-double by its Taylor series around x.
  return add(dd(x), sub(mul(a, expDD(dd(-x))), dd(1)));
}

/** exp for |x| of moderate size, by argument reduction and a Taylor series in double-double. */
function expDD(x: DD): DD {
  const k = Math.round(x[0] / Math.LN2);
  // r = x - k ln2 (ln2 in double-double)
  const LN2: DD = [0.6931471805599453, 2.3190468138462996e-17];
  const r = sub(x, mul(dd(k), LN2));
  // exp(r) with r / 2^8, then squared 8 times.
  const small = mul(r, dd(1 / 256));
  let term: DD = dd(1);
  let sum: DD = dd(1);
  for (let i = 1; i < 30; i++) {
    term = div(mul(term, small), dd(i));
    sum = add(sum, term);
    if (Math.abs(term[0]) < 1e-36) break;
  }
  for (let i = 0; i < 8; i++) sum = mul(sum, sum);
  return mul(sum, dd(2 ** k));
}

/** 10 log10(num / den) in double-double, rounded to float64. */
export function db(num: DD, den: DD): number {
  const LN10: DD = [2.302585092994046, -2.1707562233822494e-16];
  return toNumber(mul(dd(10), div(log(div(num, den)), LN10)));
}
