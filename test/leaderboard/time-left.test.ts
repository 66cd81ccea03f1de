import { describe, expect, it } from 'vitest';
import { timeLeft } from '../../src/leaderboard/views/pages.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

describe('countdown text', () => {
  it('gives the two largest units, singular where one', () => {
    expect(timeLeft(209 * DAY + 7 * HOUR + 59 * MIN)).toBe('209 days 7 hours');
    expect(timeLeft(1 * DAY + 1 * HOUR)).toBe('1 day 1 hour');
    expect(timeLeft(3 * DAY)).toBe('3 days');
    expect(timeLeft(2 * HOUR + 5 * MIN)).toBe('2 hours 5 minutes');
    expect(timeLeft(59 * 1000)).toBe('less than a minute');
    expect(timeLeft(0)).toBe('0 minutes');
    expect(timeLeft(-5 * MIN)).toBe('0 minutes');
  });

  it('groups the thousands of a long count, as the boards do', () => {
    expect(timeLeft(26326 * DAY + 17 * HOUR)).toBe('26,326 days 17 hours');
  });
});
