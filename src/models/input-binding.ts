/**
 * Which contract input each of a model's inputs gets. By name: every input of the model must
 * be one of the contract's, of its dtype and shape (a dynamic dimension of the model matches any
 * size), and every required contract input must be among them; optional ones may be left out.
 * A model with a single input gets the contract's one required input whatever its name (the
 * rule before inputs were named, which participants' single-input files rely on).
 * A mismatch is a one-line reason naming the input, what the contract expects and what the
 * model declares.
 */
import type { ContractInput } from './adapters/adapter.js';
import { describeShape } from './feeds.js';
import type { IoInfo } from './runtime.js';

/** Model input name → contract input name. */
export type Binding = Record<string, string>;

/** The contract's descriptions start with the dtype and shape (e.g. "float32 [1, T]: the mixture ..."). */
const expected = (c: ContractInput) => `${c.description} (input "${c.name}", ${c.dtype} ${describeShape(c.dims)} here)`;

function listOf(contract: readonly ContractInput[]): string {
  return contract.map((c) => `${c.name}${c.optional ? ' (optional)' : ''} ${c.dtype} ${describeShape(c.dims)}`).join(', ');
}

function shapeMatches(model: IoInfo, c: ContractInput): boolean {
  if (model.dtype !== c.dtype) return false;
  if (model.dims === null) return true;
  return model.dims.length === c.dims.length && model.dims.every((d, k) => d === null || d === c.dims[k]);
}

/** The binding, or the reason the model does not meet the contract. */
export function bindInputs(model: readonly IoInfo[], contract: readonly ContractInput[]): { binding: Binding } | { reason: string } {
  const byName = new Map(contract.map((c) => [c.name, c]));
  const required = contract.filter((c) => !c.optional);
  if (model.length === 0) return { reason: `the model has no inputs; the contract's inputs: ${listOf(contract)}` };
  if (model.length === 1 && !byName.has(model[0].name) && required.length === 1) {
    const c = required[0];
    if (!shapeMatches(model[0], c)) {
      return { reason: `the model's input "${model[0].name}" is ${model[0].dtype} ${describeShape(model[0].dims ?? [])}; the contract expects ${expected(c)}` };
    }
    return { binding: { [model[0].name]: c.name } };
  }
  const binding: Binding = {};
  for (const m of model) {
    const c = byName.get(m.name);
    if (!c) {
      return { reason: `the model has an input "${m.name}" (${m.dtype} ${describeShape(m.dims ?? [])}) that the contract does not; the contract's inputs: ${listOf(contract)}` };
    }
    if (!shapeMatches(m, c)) return { reason: `the model's input "${m.name}" is ${m.dtype} ${describeShape(m.dims ?? [])}; the contract expects ${expected(c)}` };
    binding[m.name] = c.name;
  }
  const bound = new Set(Object.values(binding));
  const missing = required.find((c) => !bound.has(c.name));
  if (missing) {
    return { reason: `the model has no input "${missing.name}" (the contract expects ${expected(missing)}); its inputs: ${model.map((m) => `${m.name} ${m.dtype} ${describeShape(m.dims ?? [])}`).join(', ')}` };
  }
  return { binding };
}

/** A model's feeds from one item's contract inputs. */
export function feedsOf<T>(binding: Binding, item: Record<string, T>): Record<string, T> {
  const feeds: Record<string, T> = {};
  for (const [input, name] of Object.entries(binding)) feeds[input] = item[name];
  return feeds;
}
