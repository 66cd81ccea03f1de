/**
 * The machine figures are measured on, as stored with every latency figure. A module of its
 * own, free of tfjs, so baselines that time plain TypeScript (the stabilizers) label their
 * figures without loading tfjs.
 */
import os from 'node:os';

export interface Machine {
  cpu: string;
  cores: number;
}

export function machine(): Machine {
  const cpus = os.cpus();
  return { cpu: cpus[0]?.model.trim() ?? 'unknown', cores: cpus.length };
}

export function machineLabel(): string {
  const m = machine();
  return `${m.cpu} (${m.cores} cores)`;
}
