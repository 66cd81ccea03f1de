/**
 * The phase rules of a challenge, in one place: which phase is open, when submissions are
 * accepted, when final selections close and when the private board and scores are shown.
 * Times are milliseconds since the epoch; a phase is open on [start, end).
 */
import { StoreError } from './store-error.js';

export interface PhaseWindow {
  id: string;
  start_at: number;
  end_at: number;
}

export interface PhasedChallenge {
  id: string;
  phases: PhaseWindow[];
  /** Start of the first phase and end of the last one. */
  start_at: number;
  end_at: number;
}

export type PhaseState = 'upcoming' | 'open' | 'ended';

/** The phase open at `now`, if any. */
export function phaseAt(c: PhasedChallenge, now: number): PhaseWindow | undefined {
  return c.phases.find((p) => p.start_at <= now && now < p.end_at);
}

/** The next phase to open after `now` (phases are in start order), if any. */
export function nextPhase(c: PhasedChallenge, now: number): PhaseWindow | undefined {
  return c.phases.find((p) => p.start_at > now);
}

/** Before the first phase, during the phases (gaps included) or after the last one. */
export function phaseState(c: PhasedChallenge, now: number): PhaseState {
  if (now < c.start_at) return 'upcoming';
  if (now >= c.end_at) return 'ended';
  return 'open';
}

/** The id of the phase accepting submissions now, or a 'forbidden' StoreError saying why none is. */
export function requireOpenPhase(c: PhasedChallenge, now: number): string {
  const phase = phaseAt(c, now);
  if (phase) return phase.id;
  if (now < c.start_at) throw new StoreError('forbidden', `${c.id} opens for submissions at ${new Date(c.start_at).toISOString()}`);
  if (now >= c.end_at) throw new StoreError('forbidden', `${c.id} ended at ${new Date(c.end_at).toISOString()}; no more submissions are accepted`);
  throw new StoreError('forbidden', `${c.id} is between phases; the next one has not started`);
}

/** Private scores and the private board are shown to participants only once the last phase has ended. */
export function privateVisible(c: PhasedChallenge, now: number): boolean {
  return now >= c.end_at;
}

/** Final selections can be changed until the end of the last phase. */
export function selectionsOpen(c: PhasedChallenge, now: number): boolean {
  return now < c.end_at;
}

/** The same rule, as a 'forbidden' StoreError once they are closed. */
export function requireSelectionsOpen(c: PhasedChallenge, now: number): void {
  if (!selectionsOpen(c, now)) throw new StoreError('forbidden', 'final selections are closed: the challenge has ended');
}
