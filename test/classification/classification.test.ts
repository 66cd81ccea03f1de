import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classificationDefinition, definition } from '../../src/tasks/classification/index.js';
import { taskFromDefinition } from '../../src/scoring/pipeline.js';
import { ValidationError } from '../../src/problems.js';
import { fixture } from '../helpers/cli.js';

const task = taskFromDefinition(definition);

const expected = JSON.parse(fs.readFileSync(fixture('cls/expected.json'), 'utf8'));
const solution = fixture('cls/solution.csv');
const submission = fixture('cls/submission.csv');
/**
 * The fixture's predictions come from an 800-class taxonomy of which 620 classes occur in the
 * truth (as iNat's test sets lack some of its classes): a challenge like it declares an open
 * label set. Without it, such a label is refused (tested below).
 */
const OPEN = { open_labels: true };

function close(actual: Record<string, number | null>, wanted: Record<string, number>) {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(wanted).sort());
  for (const [k, v] of Object.entries(wanted)) expect(Math.abs((actual[k] as number) - v), k).toBeLessThan(1e-12);
}

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podium-cls-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

describe('classification scores equal the reference (iNat 2018 script, sklearn balanced accuracy)', () => {
  it('reproduces expected.json to 1e-12 for all, public and private rows', async () => {
    const { report } = await task.evaluate(solution, submission, { options: OPEN });
    close(report.metrics as Record<string, number>, expected.metrics);
    close(report.splits!.public as Record<string, number>, expected.splits.public);
    close(report.splits!.private as Record<string, number>, expected.splits.private);
  });

  it('gives identical numbers on the csv-parse path (every field quoted) and the streaming path', async () => {
    const quoted = fs
      .readFileSync(submission, 'utf8')
      .split('\r\n')
      .map((line) => (line ? line.split(',').map((f) => `"${f}"`).join(',') : line))
      .join('\r\n');
    const file = write('quoted.csv', quoted);
    const plain = (await task.evaluate(solution, submission, { options: OPEN })).report;
    expect((await task.evaluate(solution, file, { options: OPEN })).report).toEqual(plain);
    const { readCsv } = await import('../../src/formats/csv.js');
    const { ProblemList } = await import('../../src/problems.js');
    const rows: string[][] = [];
    await readCsv(submission, { headers: [['id', 'predicted']], problems: new ProblemList(), onRow: (f) => rows.push(f), wholeFileLimit: 10 });
    expect(rows.length).toBe(6000);
    expect(rows[0]).toEqual(fs.readFileSync(submission, 'utf8').split('\r\n')[1]!.split(','));
  });

  it('reports only the top-k that the challenge asks for, and requires that many labels', async () => {
    const { report } = await task.evaluate(solution, submission, { options: { predictions: 3, ...OPEN } });
    expect(Object.keys(report.metrics)).toEqual(['top1_error', 'top3_error', 'mean_class_accuracy']);
    expect(task.metrics({ predictions: 3 }).map((m) => m.name)).toEqual(['top1_error', 'top3_error', 'mean_class_accuracy']);
    expect(task.metrics({ predictions: 1 }).map((m) => m.name)).toEqual(['top1_error', 'mean_class_accuracy']);
  });

  it('scores a hand-worked case: ranks, ignored rows, string labels, balanced accuracy', async () => {
    const truth = write('t.csv', 'id,expected,usage\na,078,Public\nb,2,Public\nc,2,Private\nd,3,Private\ne,1,Ignored\n');
    const sub = write(
      's.csv',
      'id,predicted\na,78 078 5\nb,2 1 3\nc,1  5\t2\nd,9 8 7\ne,1 2 3\n',
    );
    const { report } = await task.evaluate(truth, sub, { options: OPEN });
    // a: "078" at rank 1 ("78" differs); b: rank 0; c: rank 2 (runs of blanks split once); d: absent.
    expect(report.metrics).toEqual({ top1_error: 3 / 4, top3_error: 1 / 4, mean_class_accuracy: (0 + 1 / 2 + 0) / 3 });
    expect(report.splits!.public).toEqual({ top1_error: 1 / 2, top3_error: 0, mean_class_accuracy: (0 + 1) / 2 });
    expect(report.splits!.private).toEqual({ top1_error: 1, top3_error: 1 / 2, mean_class_accuracy: 0 });
  });

  it('leaves splits out when the truth has no usage column', async () => {
    const truth = write('nousage.csv', 'id,expected\na,1\nb,2\n');
    const sub = write('nousage-sub.csv', 'id,predicted\nb,2\na,2\n');
    const { report } = await task.evaluate(truth, sub);
    expect(report.splits).toBeUndefined();
    expect(report.metrics.top1_error).toBe(0.5);
  });

  it('a closed label set (open_labels: false) refuses the fixture, naming the first unknown label and its line', async () => {
    const lines = fs.readFileSync(submission, 'utf8').split('\r\n');
    const classes = new Set(fs.readFileSync(solution, 'utf8').split(/\r?\n/).slice(1).map((l) => l.split(',')[1]));
    const line = lines.findIndex((l, i) => i > 0 && l.split(',')[1]!.split(' ').some((x) => !classes.has(x))) + 1;
    const label = lines[line - 1]!.split(',')[1]!.split(' ').find((x) => !classes.has(x));
    for (const fastPath of [true, false]) {
      await expect(taskFromDefinition(classificationDefinition({ fastPath })).evaluate(solution, submission, { options: { open_labels: false } })).rejects.toThrow(
        `submission.csv, line ${line}, column predicted: label "${label}" is not a class of the truth`,
      );
    }
  });

  it('resamples truth rows for bootstrap intervals', async () => {
    const { report, resamplers } = await task.evaluate(solution, submission, { withResamplers: true, options: OPEN });
    expect(resamplers!.all.size).toBe(6000);
    const identity = Uint32Array.from({ length: resamplers!.all.size }, (_, i) => i);
    expect(resamplers!.all.score(identity)).toEqual(report.metrics);
    const pub = resamplers!.public!;
    expect(pub.score(Uint32Array.from({ length: pub.size }, (_, i) => i))).toEqual(report.splits!.public);
    expect(resamplers!.all.score(new Uint32Array(10).fill(0)).top1_error).toBeOneOf([0, 1]);
  });
});

describe('bad submissions: every problem named with its file line (header = line 1), collected', () => {
  // Classes of the truth: 1..5 (every label below is one, unless a case is about that).
  const truthText = 'id,expected,usage\na,1,Public\nb,2,Private\nc,3,Public\nd,4,Public\ne,5,Private\n';
  const rest = 'b,2 3 4\nc,3 4 5\nd,4 5 1\ne,5 1 2\n';
  const good = 'id,predicted\na,1 2 3\n' + rest;

  async function problemsOf(sub: string | Buffer, opts: { truth?: string; predictions?: number; open_labels?: boolean } = {}) {
    const truth = write(`truth-${Math.random()}.csv`, opts.truth ?? truthText);
    const file = write(`sub-${Math.random()}.csv`, sub);
    try {
      const options: Record<string, unknown> = { predictions: opts.predictions ?? 3 };
      options.open_labels = opts.open_labels ?? false; // these cases are about a closed set
      await task.validate(truth, file, { options });
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      return { messages: e.problems.map((p) => `${p.line ?? '-'}|${p.column ?? '-'}|${p.message}`), total: e.total, first: e.message };
    }
    return { messages: [] as string[], total: 0, first: '' };
  }

  const cases: [string, string | Buffer, RegExp, { truth?: string; predictions?: number }?][] = [
    ['empty file', '', /-\|-\|the file is empty; expected the header "id,predicted"/],
    ['header misspelt', 'id,prediction\na,1 2 3\n', /1\|-\|header must be "id,predicted", found "id,prediction"/],
    ['header with an extra column', 'id,predicted,score\na,1 2 3,1\n', /header must be "id,predicted"/],
    ['header in another case', 'ID,Predicted\na,1 2 3\n', /header must be "id,predicted", found "ID,Predicted"/],
    ['no header at all', 'a,1 2 3\nb,2 3 4\n', /header must be "id,predicted", found "a,1 2 3"/],
    ['first line empty', '\nid,predicted\na,1 2 3\n', /1\|-\|the first line is empty/],
    ['header only', 'id,predicted\n', /-\|id\|missing id "a"/],
    ['a missing id', 'id,predicted\na,1 2 3\nc,3 4 5\nd,4 5 1\ne,5 1 2\n', /-\|id\|missing id "b" \(in the truth, not in the submission\)/],
    ['a duplicate id', good + 'b,1 2 3\n', /7\|id\|duplicate id "b" \(first seen at line 3\)/],
    ['an unknown id', good + 'zz,1 2 3\n', /7\|id\|unknown id "zz" \(not in the truth\)/],
    ['an empty id', good + ',1 2 3\n', /7\|id\|is empty/],
    ['too few labels', 'id,predicted\na,1 2\n' + rest, /2\|predicted\|expected at least 3 space-separated labels, found 2/],
    ['no labels', 'id,predicted\na,\n' + rest, /2\|predicted\|expected at least 3 space-separated labels, found 0/],
    ['blank labels', 'id,predicted\na,   \n' + rest, /2\|predicted\|expected at least 3 space-separated labels, found 0/],
    ['a duplicate label', 'id,predicted\na,1 2 1\n' + rest, /2\|predicted\|label "1" appears twice/],
    ['a label that is not a class of the truth', 'id,predicted\na,1 2 zebra\n' + rest, /2\|predicted\|label "zebra" is not a class of the truth/],
    ['a numeric label that is not a class', 'id,predicted\n' + rest + 'a,9999 1 2\n', /6\|predicted\|label "9999" is not a class of the truth/],
    ['too many columns', 'id,predicted\na,1 2 3,x\n' + rest, /2\|-\|expected 2 columns \(id,predicted\), found 3/],
    ['too few columns', 'id,predicted\na\n' + rest, /2\|-\|expected 2 columns \(id,predicted\), found 1/],
    ['an unclosed quote', 'id,predicted\na,"1 2 3\nb,2 3 4\n', /invalid CSV quoting: a quoted field is never closed/],
    ['text after a closing quote', 'id,predicted\na,"1 2 3"x\n', /2\|-\|invalid CSV quoting: characters after a closing quote/],
    ['binary data', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 1, 2, 3]), /1\|-\|is not UTF-8 text \(binary or garbled data\)/],
    ['invalid UTF-8 on line 3', Buffer.concat([Buffer.from('id,predicted\na,1 2 3\nb,'), Buffer.from([0xff, 0xfe]), Buffer.from(' 3 4\n')]), /3\|-\|is not UTF-8 text/],
    ['garbled text', 'Ω≈ç√∫˜µ≤≥÷\n¡™£¢∞§¶•ªº\n', /header must be "id,predicted", found "Ω≈ç√∫˜µ≤≥÷"/],
    ['a quoted id with a comma', 'id,predicted\n"a,b",1 2 3\n' + rest, /2\|id\|unknown id "a,b"/],
    ['a quoted record over two lines, then a bad one', 'id,predicted\n"a","1 2\n3"\n\nb,2 3 zebra\n', /5\|predicted\|label "zebra" is not a class/],
    ['a 10 MB id', `id,predicted\n${'x'.repeat(10 * 1024 * 1024)},1 2 3\n`, /2\|id\|unknown id "x{60}\.\.\."/],
    ['fewer labels than a 5-label challenge asks for', good, /2\|predicted\|expected at least 5 space-separated labels, found 3/, { predictions: 5 }],
  ];

  for (const [title, sub, pattern, opts] of cases) {
    it(title, async () => {
      const { messages, first } = await problemsOf(sub, opts);
      expect(messages.join('\n')).toMatch(pattern);
      expect(first).not.toBe('');
    });
  }

  it('accepts BOM, CRLF, quoting, blank lines and more labels than required', async () => {
    const sub = '\uFEFFid,predicted\r\n"a","1 2 3 4"\r\n\r\n' + rest.replaceAll('\n', '\r\n').replace('c,3 4 5', 'c,"3 4 5"');
    expect((await problemsOf(sub)).total).toBe(0);
  });

  it('an open label set (open_labels: true) accepts labels that are no class of the truth', async () => {
    const sub = 'id,predicted\na,1 2 zebra\n' + rest + '\n';
    expect((await problemsOf(sub, { open_labels: true })).total).toBe(0);
    expect((await problemsOf(sub, { open_labels: false })).messages).toEqual(['2|predicted|label "zebra" is not a class of the truth']);
  });

  it('accepts a 10 MB line of distinct labels in an open label set', async () => {
    const many = Array.from({ length: 1_300_000 }, (_, i) => `L${i}`).join(' ');
    expect(many.length).toBeGreaterThan(10 * 1024 * 1024);
    expect((await problemsOf(`id,predicted\na,${many}\n${rest}`, { open_labels: true })).total).toBe(0);
  });

  it('collects every problem, each bad row once (never again as a missing id)', async () => {
    const { messages, total } = await problemsOf('id,predicted\na,1 2\na,1 2 3\nzz,1 2 3\nc,1 1 2\nd\ne,5 zebra 2\n');
    expect(messages).toEqual([
      '2|predicted|expected at least 3 space-separated labels, found 2',
      '3|id|duplicate id "a" (first seen at line 2)',
      '4|id|unknown id "zz" (not in the truth)',
      '5|predicted|label "1" appears twice',
      '6|-|expected 2 columns (id,predicted), found 1',
      '7|predicted|label "zebra" is not a class of the truth',
      '-|id|missing id "b" (in the truth, not in the submission)',
    ]);
    expect(total).toBe(7);
  });

  it('caps the list at 100 problems and keeps counting', async () => {
    const truth = 'id,expected\n' + Array.from({ length: 500 }, (_, i) => `r${i},1`).join('\n') + '\n';
    const { messages, total, first } = await problemsOf('id,predicted\n', { truth });
    expect(messages.length).toBe(100);
    expect(total).toBe(500);
    expect(first).toMatch(/missing id "r0" .*\(and 499 more problems\)/);
  });

  it('streams huge files through csv-parse with the same problems', async () => {
    const { readCsv } = await import('../../src/formats/csv.js');
    const { ProblemList } = await import('../../src/problems.js');
    const file = write('stream.csv', Buffer.concat([Buffer.from('id,predicted\na,1\nb,'), Buffer.from([0]), Buffer.from('\n')]));
    const problems = new ProblemList();
    await expect(readCsv(file, { headers: [['id', 'predicted']], problems, onRow() {}, wholeFileLimit: 4 })).rejects.toThrow(
      /is not UTF-8 text/,
    );
  });

  it('numbers records by file line on both CSV paths (plain and csv-parse, quoted, multi-line)', async () => {
    const { readCsv } = await import('../../src/formats/csv.js');
    const { ProblemList } = await import('../../src/problems.js');
    const plain = write('lines-plain.csv', 'id,predicted\r\na,1\r\n\r\n\r\nb,2\r\nc\r\nd,4');
    const quoted = write('lines-quoted.csv', 'id,predicted\na,1\n\n\n"b","2"\nc\n"d","4\n5"\n\ne,"6\n\n7"\nf,8');
    const seen = async (file: string, wholeFileLimit?: number) => {
      const lines: string[] = [];
      const problems = new ProblemList();
      await readCsv(file, { headers: [['id', 'predicted']], problems, wholeFileLimit, onRow: (f, line) => lines.push(`${f[0]}@${line}`) });
      return { lines, bad: problems.items.map((p) => p.line) };
    };
    expect(await seen(plain)).toEqual({ lines: ['a@2', 'b@5', 'd@7'], bad: [6] });
    expect(await seen(plain, 4)).toEqual({ lines: ['a@2', 'b@5', 'd@7'], bad: [6] });
    expect(await seen(quoted)).toEqual({ lines: ['a@2', 'b@5', 'd@7', 'e@10', 'f@13'], bad: [6] });
  });
});

describe('bad truth files and options', () => {
  async function errorOf(truth: string, options: Record<string, unknown> = {}) {
    const t = write(`bt-${Math.random()}.csv`, truth);
    const s = write(`bs-${Math.random()}.csv`, 'id,predicted\na,1 2 3\n');
    return task.evaluate(t, s, { options }).then(
      () => '',
      (e: Error) => e.message,
    );
  }
  it('names a duplicate truth id', async () => expect(await errorOf('id,expected\na,1\na,2\n')).toMatch(/line 3, column id: duplicate id "a"/));
  it('names a bad usage value', async () =>
    expect(await errorOf('id,expected,usage\na,1,public\n')).toMatch(/line 2, column usage: "public" is not Public, Private or Ignored/));
  it('names a wrong truth header', async () =>
    expect(await errorOf('image,label\na,1\n')).toMatch(/line 1: header must be "id,expected" or "id,expected,usage"/));
  it('names an empty expected label', async () => expect(await errorOf('id,expected\na,\n')).toMatch(/line 2, column expected: is empty/));
  it('refuses a non-integer predictions option', async () =>
    expect(await errorOf('id,expected\na,1\n', { predictions: 'three' })).toMatch(/option "predictions" must be a positive integer/));
  it('refuses a non-boolean open_labels option', async () =>
    expect(await errorOf('id,expected\na,1\n', { open_labels: 'yes' })).toMatch(/option "open_labels" must be true or false/));
  it('names a missing file', async () => {
    await expect(task.evaluate(path.join(dir, 'nope.csv'), submission)).rejects.toThrow(/nope\.csv: cannot read the file \(ENOENT\)/);
  });
  it('names a folder given as a file', async () => {
    await expect(task.evaluate(solution, dir)).rejects.toThrow(/is a folder, expected a CSV file/);
  });
});

describe('the byte-level fast path and the general path agree', () => {
  async function bothPaths(truthText: string, subText: string, options: Record<string, unknown> = {}) {
    const truth = write(`fp-t-${Math.random()}.csv`, truthText);
    const sub = write(`fp-s-${Math.random()}.csv`, subText);
    const run = async (fastPath: boolean) =>
      (await taskFromDefinition(classificationDefinition({ fastPath })).evaluate(truth, sub, { options })).report;
    return { fast: await run(true), general: await run(false), truth, sub };
  }

  it('on the fixture', async () => {
    const { fast, general } = await bothPaths(fs.readFileSync(solution, 'utf8'), fs.readFileSync(submission, 'utf8'), OPEN);
    expect(fast).toEqual(general);
  });

  const variants: [string, string, string][] = [
    ['BOM and CRLF', '\uFEFFid,expected,usage\r\na,1,Public\r\nb,2,Private\r\n', '\uFEFFid,predicted\r\nb,2 1 3\r\na,3 2 1\r\n'],
    ['blank lines and no final newline', 'id,expected\n\na,1\n\nb,2', 'id,predicted\n\nb,1 2 3\n\na,1 2 3'],
    ['runs of blanks, tabs, padded ids and labels', 'id,expected\n a ,  1 \nb,2\n', 'id,predicted\na , 9\t\t1  2 \n b,2 2x 3\n'],
    ['labels that differ only in form', 'id,expected\na,078\nb,78\n', 'id,predicted\na,78 078 8\nb,078 8 78\n'],
    ['more labels than the fast path takes', 'id,expected\na,9\n', 'id,predicted\na,1 2 3 4 5 6 7 8 9\n'],
    ['a stray CR inside a line', 'id,expected\na\r,1\n', 'id,predicted\na,1\r 2 3\n'],
    ['plain integer ids and labels (direct index)', 'id,expected,usage\n0,5,Public\n17,5,Private\n3,12,Public\n', 'id,predicted\n3,12 5 1\n0,1 5 12\n17,05 5 1\n'],
    ['integer ids with one that is not', 'id,expected\n1,5\n2,6\nx9,5\n', 'id,predicted\nx9,6 5\n2,6\n1,5\n'],
    ['integers too large to index', 'id,expected\n999999999,1\n1,2\n', 'id,predicted\n1,2\n999999999,2 1\n'],
  ];
  for (const [title, t, s] of variants) {
    it(`on ${title}`, async () => {
      const { fast, general } = await bothPaths(t, s, OPEN);
      expect(fast).toEqual(general);
    });
  }

  it('on a closed label set: both refuse an unknown label with the same problem, and agree where all are classes', async () => {
    const t = 'id,expected\n1,5\n2,6\n3,x7\n';
    for (const bad of ['id,predicted\n1,5 6\n2,6 9999\n3,x7\n', 'id,predicted\n3,x7 zebra\n1,5\n2,6\n']) {
      const truth = write(`fp-ct-${Math.random()}.csv`, t);
      const sub = write(`fp-cs-${Math.random()}.csv`, bad);
      const errors = [];
      for (const fastPath of [true, false]) {
        errors.push(await taskFromDefinition(classificationDefinition({ fastPath })).evaluate(truth, sub, { options: { open_labels: false } }).then(() => '', (e: Error) => e.message));
      }
      expect(errors[0]).toMatch(/line \d, column predicted: label "(9999|zebra)" is not a class of the truth/);
      expect(errors[1]).toBe(errors[0]);
    }
    const { fast, general } = await bothPaths(t, 'id,predicted\n1,6 5\n2,6 x7\n3,5 6 x7\n');
    expect(fast).toEqual(general);
    expect(fast.metrics.top1_error).toBeCloseTo(2 / 3, 15);
  });

  it('declines every bad input, so problems always come from the general path', async () => {
    const { readFast } = await import('../../src/tasks/classification/fast-path.js');
    const truth = write('fp-truth.csv', 'id,expected,usage\na,1,Public\nb,2,Private\nc,3,Public\n');
    const bad = [
      '', 'id,prediction\na,1 2 3\n', 'id,predicted\na,1 2 3\nb,2 3 4\n', 'id,predicted\na,1 2 3\nb,2 3 4\nc,3 4 5\nb,1 2 3\n',
      'id,predicted\na,1 2 3\nb,2 3 4\nc,3 4 5\nzz,1 2 3\n', 'id,predicted\na,1 2\nb,2 3 4\nc,3 4 5\n',
      'id,predicted\na,1 2 1\nb,2 3 4\nc,3 4 5\n', 'id,predicted\na,1 2 3,x\nb,2 3 4\nc,3 4 5\n', 'id,predicted\n,1 2 3\nb,2 3 4\nc,3 4 5\n',
      'id,predicted\n"a",1 2 3\nb,2 3 4\nc,3 4 5\n', 'id,predicted\na,1 2 3\nb,2 3 4\nc,3 4 \u00e9\n',
    ];
    for (const text of bad) expect(readFast(truth, write(`fp-bad-${Math.random()}.csv`, text), 3, true), JSON.stringify(text)).toBeUndefined();
    // A closed label set: a label that is no class of the truth (4, zebra) declines too.
    for (const text of ['id,predicted\na,1 2 3\nb,2 3 1\nc,3 1 zebra\n', 'id,predicted\na,1 2 3\nb,2 3 4\nc,3 1 2\n']) {
      expect(readFast(truth, write(`fp-closed-${Math.random()}.csv`, text), 3), text).toBeUndefined();
    }
    expect(readFast(truth, write('fp-closed-good.csv', 'id,predicted\na,1 2 3\nb,2 3 1\nc,3 1 2\n'), 3)).toBeDefined();
    const badTruths = ['id,expected\na,1\na,2\n', 'id,expected\n1,1\n1,2\n', 'id,expected,usage\na,1,public\n', 'id,expected\na,\n', 'image,label\na,1\n'];
    const sub = write('fp-sub.csv', 'id,predicted\na,1 2 3\n');
    const numericTruth = write('fp-num.csv', 'id,expected\n1,5\n2,6\n');
    for (const text of ['id,predicted\n01,5\n2,6\n', 'id,predicted\n1,5\n2,6\n+1,5\n', 'id,predicted\n1,5\n2,6\n1,5\n']) {
      expect(readFast(numericTruth, write(`fp-nb-${Math.random()}.csv`, text), 1), text).toBeUndefined();
    }
    for (const text of badTruths) expect(readFast(write(`fp-bt-${Math.random()}.csv`, text), sub, 3), text).toBeUndefined();
    expect(readFast(truth, write('fp-good.csv', 'id,predicted\na,1 2 3\nb,2 3 4\nc,3 4 5\n'), 3, true)).toBeDefined();
  });
});
