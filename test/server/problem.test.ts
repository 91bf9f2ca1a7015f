/** The problem shape of a typed error: status from its category, and no server path in it. */
import { expect, it } from 'vitest';
import { CairnError } from '../../src/errors/index.js';
import { problemOf, redactPaths } from '../../src/server/problem.js';

it('maps the category to the status and keeps the location, without directories', () => {
  const error = new CairnError('ACH_CANNOT_READ', 'cannot read /home/analyst/cases/secret.json (EACCES)', {
    file: '/home/analyst/cases/secret.json',
    line: 3,
    field: 'evidence',
  });
  expect(problemOf(error)).toEqual({
    code: 'ACH_CANNOT_READ',
    message: 'cannot read secret.json (EACCES)',
    status: 503,
    file: 'secret.json',
    line: 3,
    field: 'evidence',
  });
  expect(problemOf(new CairnError('API_UNAUTHORIZED', 'token')).status).toBe(401);
  expect(problemOf(new CairnError('API_RATE_LIMITED', 'slow down')).status).toBe(429);
  expect(problemOf(new CairnError('INTEL_UNKNOWN_CASE', 'no case')).status).toBe(404);
  expect(problemOf(new CairnError('OBSERVATORY_BAD_COUNTRY', 'XX')).status).toBe(422);
});

it('cuts absolute paths in text to their last component, and leaves values alone', () => {
  expect(redactPaths('at C:\\Users\\me\\cairn\\x.ts and /srv/cairn/data/intel/a.json')).toBe(
    'at x.ts and a.json',
  );
  expect(redactPaths('prefix 175.45.176.0/24, ratio 1/2/3, file a/b/c')).toBe(
    'prefix 175.45.176.0/24, ratio 1/2/3, file a/b/c',
  );
});
