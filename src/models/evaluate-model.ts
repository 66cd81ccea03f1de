/**
 * One model submission end to end, the same for `podium evaluate --model` and the server's
 * queue: open the sandbox with the entry (and the challenge's reference model and the null
 * model), feed every hidden input through the task adapter, write the ordinary submission,
 * read the cost from the graph, time entry and reference interleaved, close the sandbox, and
 * only then, outside it, score the submission through the task's `evaluate` exactly as an
 * uploaded file is scored. The truth never enters the sandbox.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Challenge } from '../challenges/definition.js';
import type { ModelLatencyConfig } from '../challenges/model-track.js';
import { UsageError } from '../problems.js';
import { loadTask } from '../tasks/registry.js';
import type { ScoreReport } from '../tasks/task.js';
import type { SandboxLimits } from '../sandbox/limits.js';
import type { IsolationPolicy } from '../sandbox/isolation.js';
import { ContractError, type Contract } from './adapters/adapter.js';
import { loadAdapter } from './adapters/registry.js';
import { ModelFailure, modelSource, openModelSession, type LatencyRun, type Loaded, type ModelSession } from './session.js';
import { bindInputs } from './input-binding.js';

export interface ModelEvaluation {
  report: ScoreReport;
  version: string;
  /** The submission the adapter wrote (scored like an upload). */
  submission: string;
  cost: { params: number; madds: number };
  latency?: LatencyRun;
  /** Where and how the figures were made, stored with them. */
  environment: {
    machine: string;
    cpus: number;
    node: string;
    runtime: string;
    reference_runtime?: string;
    isolation: string;
    /** The sandboxed runner's malloc settings. */
    allocator: string;
    threads: number;
    cpu_affinity: number | null;
    latency_settings: ModelLatencyConfig | null;
    limits: SandboxLimits;
  };
  contract: { input: string; output: string };
  timings: { load_ms: number; predict_ms: number; latency_ms: number; score_ms: number };
}

export interface EvaluateModelOptions {
  /** Folder for the scratch space and the submission (created; left for the caller to remove). */
  workDir: string;
  /** Latency settings, or 'off' to skip timing (default: the challenge's). */
  latency?: ModelLatencyConfig | 'off';
  /** Time the challenge's reference alongside (default: when it names one and the file exists). */
  reference?: boolean;
  limits?: Partial<SandboxLimits>;
  policy?: IsolationPolicy;
  log?: (line: string) => void;
  /** Called once the sandbox is up with the models loaded (the server's crash test holds here). */
  onStarted?: () => Promise<void>;
}

export function machineDescription(): { machine: string; cpus: number } {
  const cpus = os.cpus();
  return { machine: `${cpus[0]?.model.trim() ?? 'unknown'} (${cpus.length} cores)`, cpus: cpus.length };
}

/** A ContractError thrown by an adapter is the model's fault: reported like a sandbox failure. */
function contractFailure(e: ContractError): ModelFailure {
  return new ModelFailure({ kind: 'model', message: `output does not meet the contract: ${e.message}` });
}

/**
 * Binds a loaded model's inputs to the contract, or refuses it: the entry's mismatch is the
 * participant's (a ModelFailure with the reason); the reference's is the host's.
 */
async function bindSlot(session: ModelSession, slot: 'entry' | 'reference', loaded: Loaded, contract: Contract, challengeId: string): Promise<void> {
  const r = bindInputs(loaded.inputs, contract.inputs);
  if ('reason' in r) {
    if (slot === 'entry') throw new ModelFailure({ kind: 'model', message: `input does not meet the contract: ${r.reason}` });
    throw new UsageError(`challenge ${challengeId}: its model.reference does not meet the challenge's own contract: ${r.reason}`);
  }
  await session.bind(slot, r.binding);
}

/** What evaluateModel reads of a challenge definition. */
export type ModelChallenge = Pick<Challenge, 'id' | 'task' | 'truth' | 'options' | 'submission' | 'model'>;

export async function evaluateModel(challenge: ModelChallenge, modelPath: string, o: EvaluateModelOptions): Promise<ModelEvaluation> {
  const track = challenge.model;
  if (!track || !challenge.submission.includes('model')) throw new UsageError(`challenge ${challenge.id} does not take model submissions (no model track in its challenge.yaml)`);
  const log = o.log ?? (() => {});
  const adapter = await loadAdapter(challenge.task);
  const inputs = await adapter.open(challenge, track);
  const limits = { ...track.limits, ...o.limits };
  const latency = o.latency === 'off' ? null : o.latency ?? track.latency;
  const withReference = (o.reference ?? true) && !!track.reference && fs.existsSync(track.reference) && latency !== null;
  const scratch = path.join(o.workDir, 'scratch');
  fs.mkdirSync(scratch, { recursive: true });
  const t0 = performance.now();
  const session = await openModelSession({
    entry: modelSource(modelPath),
    reference: withReference ? modelSource(track.reference!) : undefined,
    nullModel: latency ? { inputs: inputs.contract.inputs.map((c) => ({ name: c.name, dtype: c.dtype, rank: c.dims.length })) } : undefined,
    scratch,
    limits,
    policy: o.policy ?? { allowUnsandboxed: track.allowUnsandboxed },
    threads: track.threads,
    maxModelBytes: track.maxModelBytes,
  });
  let cost: { params: number; madds: number };
  let timing: LatencyRun | undefined;
  let submission: string;
  const t1 = performance.now();
  let t2 = t1;
  try {
    await o.onStarted?.();
    await bindSlot(session, 'entry', session.entry, inputs.contract, challenge.id);
    if (session.reference) await bindSlot(session, 'reference', session.reference, inputs.contract, challenge.id);
    const keep = latency?.samples ?? 0;
    for (let i = 0; i < inputs.count; i++) {
      // Every contract input goes across (the reference timed beside may read one the entry leaves out).
      const out = await session.run('entry', inputs.input(i), i < keep);
      try {
        inputs.add(i, out);
      } catch (e) {
        if (e instanceof ContractError) throw contractFailure(e);
        throw e;
      }
    }
    submission = await inputs.finish(o.workDir);
    log(`predicted ${inputs.count} inputs in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
    cost = await session.cost('entry', inputs.input(0));
    t2 = performance.now();
    if (latency) {
      timing = await session.latency(latency, latency.seed, machineDescription().machine);
      timing.entry.params = cost.params;
      timing.entry.madds = cost.madds;
    }
  } catch (e) {
    await session.close().catch(() => {});
    throw e;
  }
  const exit = await session.close();
  if (exit.failure && exit.failure.kind !== 'error') throw new ModelFailure(exit.failure, exit);
  const t3 = performance.now();
  const task = await loadTask(challenge.task);
  const { report } = await task.evaluate(challenge.truth, submission, { options: challenge.options });
  const t4 = performance.now();
  const m = machineDescription();
  return {
    report,
    version: task.version,
    submission,
    cost,
    latency: timing,
    environment: {
      machine: m.machine,
      cpus: m.cpus,
      node: process.version,
      runtime: session.entry.runtime,
      reference_runtime: session.reference?.runtime,
      isolation: session.isolation,
      allocator: session.entry.allocator,
      threads: track.threads,
      cpu_affinity: limits.cpu ?? null,
      latency_settings: latency,
      limits,
    },
    contract: { input: inputs.contract.input, output: inputs.contract.output },
    timings: { load_ms: t1 - t0, predict_ms: t2 - t1, latency_ms: t3 - t2, score_ms: t4 - t3 },
  };
}
