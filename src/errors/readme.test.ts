/**
 * Keeps the code tables of src/errors/README.md equal to the catalogue. After changing a code,
 * regenerate them with `CAIRN_WRITE_DOCS=1 npx vitest run src/errors/readme.test.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import {
  CODE_MODULES,
  ERROR_CATEGORIES,
  HTTP_STATUS_BY_CATEGORY,
  type CodeSpec,
  type ErrorCategory,
} from './index.js';

const README = fileURLToPath(new URL('README.md', import.meta.url));
const BEGIN = '<!-- generated from src/errors/codes/ by readme.test.ts: do not edit by hand -->';
const END = '<!-- end of generated tables -->';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/</g, '\\<');
}

/** Prettier may pad table cells to align them: compare the text with runs of blanks and dashes collapsed. */
function normalise(markdown: string): string {
  return markdown.replace(/-{3,}/g, '---').replace(/[ \t]+/g, ' ');
}

function renderTables(): string {
  const parts: string[] = [
    '### Categories',
    '',
    '| Category | HTTP status | Meaning |',
    '| --- | --- | --- |',
  ];
  for (const [category, meaning] of Object.entries(ERROR_CATEGORIES)) {
    parts.push(
      `| \`${category}\` | ${HTTP_STATUS_BY_CATEGORY[category as ErrorCategory]} | ${cell(meaning)} |`,
    );
  }
  for (const { module, codes } of CODE_MODULES) {
    parts.push(
      '',
      `### ${module}`,
      '',
      '| Code | Category | What happened | What to do |',
      '| --- | --- | --- | --- |',
    );
    for (const [code, spec] of Object.entries(codes) as [string, CodeSpec][]) {
      parts.push(`| \`${code}\` | ${spec.category} | ${cell(spec.description)} | ${cell(spec.action)} |`);
    }
  }
  return parts.join('\n');
}

it('README lists every code as the catalogue documents it', () => {
  const text = readFileSync(README, 'utf8');
  const begin = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  expect(begin, `README.md needs the line ${BEGIN}`).toBeGreaterThanOrEqual(0);
  expect(end, `README.md needs the line ${END}`).toBeGreaterThan(begin);
  const current = text.slice(begin + BEGIN.length, end).trim();
  const wanted = renderTables();
  if (process.env.CAIRN_WRITE_DOCS === '1' && normalise(current) !== normalise(wanted)) {
    writeFileSync(README, `${text.slice(0, begin + BEGIN.length)}\n\n${wanted}\n\n${text.slice(end)}`);
    return;
  }
  expect(
    normalise(current),
    'regenerate with CAIRN_WRITE_DOCS=1 npx vitest run src/errors/readme.test.ts',
  ).toBe(normalise(wanted));
});
