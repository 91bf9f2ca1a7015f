/**
 * Every failure becomes one problem answer: a CairnError's code and location with the status of
 * its category; a request that fails its zod schema is a 400 naming the field; anything else is a
 * 500 with no detail. Messages and locations lose server paths on the way out, and nothing carries
 * a stack trace.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { CairnError, HTTP_STATUS_BY_CATEGORY, type ErrorCode } from '../errors/index.js';
import type { Problem } from './envelope.js';

/** Codes whose status is not their category's (HTTP has its own for these). */
const STATUS_OF_CODE: Partial<Record<ErrorCode, number>> = { API_UNAUTHORIZED: 401, API_RATE_LIMITED: 429 };

/** Absolute paths in a message or location become their last component. */
export function redactPaths(text: string): string {
  return text.replace(/(?<![\w.-])(?:[A-Za-z]:)?(?:[\\/][^\\/\s'"`:,()]+){2,}/g, (found) => {
    const parts = found.split(/[\\/]/);
    return parts[parts.length - 1];
  });
}

export function statusOf(error: CairnError): number {
  return STATUS_OF_CODE[error.code] ?? HTTP_STATUS_BY_CATEGORY[error.category];
}

/** The problem answer of a CairnError. */
export function problemOf(error: CairnError): Problem {
  const { code, message, ...location } = error.toJSON();
  const problem: Problem = { code, message: redactPaths(message), status: statusOf(error) };
  if (location.file !== undefined) problem.file = redactPaths(location.file);
  if (location.offset !== undefined) problem.offset = location.offset;
  if (location.line !== undefined) problem.line = location.line;
  if (location.path !== undefined) problem.path = location.path;
  if (location.field !== undefined) problem.field = location.field;
  if (location.recordType !== undefined) problem.recordType = location.recordType;
  return problem;
}

interface ZodIssueLike {
  instancePath?: string;
  message?: string;
  params?: { issue?: { path?: Array<string | number>; message?: string } };
}

/** The field of the first failing schema issue, as `query.limit` or `body.ratings.0`. */
function validationProblem(error: FastifyError): Problem {
  const issues = (error.validation ?? []) as ZodIssueLike[];
  const first = issues[0];
  const path = first?.params?.issue?.path ?? first?.instancePath?.split('/').filter(Boolean) ?? [];
  const where = error.validationContext ?? 'request';
  const field = [where === 'querystring' ? 'query' : where, ...path.map(String)].join('.');
  const message = first?.params?.issue?.message ?? first?.message ?? 'invalid request';
  return { code: 'API_BAD_REQUEST', status: 400, field, message: `${field}: ${redactPaths(message)}` };
}

/** Fastify's error handler: one problem shape for every failure. */
export function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  let problem: Problem;
  if (hasZodFastifySchemaValidationErrors(error)) problem = validationProblem(error);
  else if (error instanceof CairnError) problem = problemOf(error);
  else if (error.statusCode === 413)
    problem = { code: 'API_BODY_TOO_LARGE', status: 413, message: 'request body is larger than the limit' };
  else if (error.statusCode === 429)
    problem = { code: 'API_RATE_LIMITED', status: 429, message: 'too many requests; retry later' };
  else if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500)
    problem = { code: 'API_BAD_REQUEST', status: error.statusCode, message: redactPaths(error.message) };
  else {
    request.log.error({ err: error }, 'request failed');
    problem = { code: 'SERVER_INTERNAL', status: 500, message: 'internal error' };
  }
  if (problem.status >= 500 && problem.code !== 'SERVER_INTERNAL')
    request.log.warn({ problem }, 'request failed');
  void reply.status(problem.status).type('application/json; charset=utf-8').send(problem);
}
