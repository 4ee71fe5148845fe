/**
 * bench/results/README.md is the index of the benchmark notes: every notes file is listed there,
 * and every file the index or the project's README names exists, so a lane that adds notes and
 * forgets the index, or a rename that leaves a dangling name, fails here.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const resultsDir = new URL('../../bench/results/', import.meta.url);
const index = readFileSync(new URL('README.md', resultsDir), 'utf8');
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

const notes = readdirSync(resultsDir).filter((name) => name.endsWith('.md') && name !== 'README.md' && name !== 'LATEST.md');
const indexLinks = [...index.matchAll(/\]\(([^)]+)\)/g)].map((m) => m[1]!);
const readmeNames = [...readme.matchAll(/`(?:bench\/results\/)?([\w.-]+-20\d\d-\d\d-\d\d(?:-[a-z])?\.md)`/g)].map((m) => m[1]!);

describe('bench/results/README.md indexes the benchmark notes', () => {
  it('lists every notes file once', () => {
    for (const name of notes) expect(indexLinks.filter((link) => link === name), name).toHaveLength(1);
  });

  it('links only files that exist', () => {
    expect(indexLinks.length).toBeGreaterThan(0);
    for (const link of indexLinks) expect(existsSync(new URL(link, resultsDir)), link).toBe(true);
  });

  it("every notes file the project's README names exists", () => {
    expect(readmeNames.length).toBeGreaterThan(0);
    for (const name of readmeNames) expect(existsSync(new URL(name, resultsDir)), name).toBe(true);
  });
});
