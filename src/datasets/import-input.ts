/**
 * Reading an importer's source files: a missing file, unreadable JSON or a wrong shape becomes
 * a ValidationError naming the file (and what was expected), never a stack trace.
 */
import fs from 'node:fs';
import { ValidationError } from '../problems.js';

export function requireDir(dir: string, what: string): void {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw ValidationError.of({ file: dir, message: `not a folder; expected ${what}` });
  }
}

export function requireFile(file: string, what: string): void {
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
    throw ValidationError.of({ file, message: `no such file; expected ${what}` });
  }
}

export function readJsonInput(file: string, what: string): unknown {
  requireFile(file, what);
  const text = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw ValidationError.of({ file, message: `not valid JSON (${(e as Error).message.split('\n')[0]}); expected ${what}` });
  }
}

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
export const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
