import type { FastifyReply } from 'fastify';
import { httpStatusOf, type ErrorCode, type Failure } from '@typedcluster/core';

/** Our own errors: the catalogue's status and a JSON `{code, message}` body. */
export function replyFailure(reply: FastifyReply, failure: Failure): FastifyReply {
  return reply
    .code(httpStatusOf(failure.code))
    .header('content-type', 'application/json; charset=utf-8')
    .send(JSON.stringify({ code: failure.code, message: failure.message }));
}

export const failure = (code: ErrorCode, message: string): Failure => ({ code, message });

/** The one wording of "no such function", for every route. */
export const notDeployed = (name: string): Failure => failure('FUNCTION_NOT_FOUND', `no function named "${name}" is deployed`);
