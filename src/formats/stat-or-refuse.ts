/** A file or folder the user named, or a clear refusal when it cannot be read. */
import fs from 'node:fs';
import { ValidationError, type Problem } from '../problems.js';

/** The stats of `file`, or a ValidationError holding `problem` when it is missing or unreadable. */
export function statOrRefuse(file: string, problem: Problem): fs.Stats {
  try {
    return fs.statSync(file);
  } catch {
    throw ValidationError.of(problem);
  }
}
