/**
 * Problems found in a user's input, and the errors that carry them to the edge.
 *
 * Readers collect problems instead of stopping at the first one, so a participant sees every
 * mistake in one round trip (Kaggle's "first error only" is a common complaint). The list is
 * capped; the total keeps counting.
 */

/** One thing wrong with one input: where (file, line or row, column) and what was expected. */
export interface Problem {
  file: string;
  /** 1-based line of a text file, as an editor numbers it (a CSV's header is line 1). */
  line?: number;
  /** 1-based entry of an input that is not read by lines (a JSON array's element). */
  row?: number;
  column?: string;
  message: string;
  /**
   * Whose fault it is: absent for the participant's file, 'host' for the organisers' data (a
   * truth file, a stored file). A host problem never makes a submission invalid.
   */
  fault?: 'host';
}

export function formatProblem(p: Problem): string {
  const where = [p.file];
  if (p.line !== undefined) where.push(`line ${p.line}`);
  if (p.row !== undefined) where.push(`row ${p.row}`);
  if (p.column !== undefined) where.push(`column ${p.column}`);
  return `${where.join(', ')}: ${p.message}`;
}

export const DEFAULT_PROBLEM_CAP = 100;

/** A capped collection of problems with an uncapped total. */
export class ProblemList {
  readonly items: Problem[] = [];
  total = 0;
  constructor(readonly cap = DEFAULT_PROBLEM_CAP) {}

  add(problem: Problem): void {
    this.total++;
    if (this.items.length < this.cap) this.items.push(problem);
  }

  get full(): boolean {
    return this.items.length >= this.cap;
  }

  /** Throws a ValidationError holding every collected problem, if there is any. */
  throwIfAny(): void {
    if (this.total > 0) throw new ValidationError(this.items, this.total);
  }
}

/** Invalid user input: a submission, a truth file, a definition. Exit code 2, never a stack. */
export class ValidationError extends Error {
  readonly problems: Problem[];
  readonly total: number;
  constructor(problems: Problem[], total = problems.length) {
    const first = problems[0] ? formatProblem(problems[0]) : 'invalid input';
    super(total > 1 ? `${first} (and ${total - 1} more problem${total > 2 ? 's' : ''})` : first);
    this.name = 'ValidationError';
    this.problems = problems;
    this.total = total;
  }

  static of(problem: Problem): ValidationError {
    return new ValidationError([problem]);
  }
}

/** A mistake in how a command was called (missing flag, unknown command). Exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function isUserError(e: unknown): e is ValidationError | UsageError {
  return e instanceof ValidationError || e instanceof UsageError;
}

/** Marks every problem of a ValidationError as the host's (the organisers' data), keeping the rest. */
export function asHostError(e: unknown): unknown {
  if (!(e instanceof ValidationError)) return e;
  return new ValidationError(e.problems.map((p) => ({ ...p, fault: 'host' as const })), e.total);
}

/** Runs a truth reader: whatever it finds wrong is the host's problem, never the participant's. */
export function readingHostData<T>(read: () => T): T {
  try {
    return read();
  } catch (e) {
    throw asHostError(e);
  }
}

/** readingHostData for an async reader. */
export async function readingHostDataAsync<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (e) {
    throw asHostError(e);
  }
}

/** Whether any problem of an error is the host's (a broken truth, a missing stored file). */
export function isHostFault(e: unknown): boolean {
  return e instanceof ValidationError && e.problems.some((p) => p.fault === 'host');
}
