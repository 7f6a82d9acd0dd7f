import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  AuthenticationError,
  ContentFilterFinishReasonError,
  LengthFinishReasonError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
} from 'openai/error';
import { ZodError } from 'zod';
import { errorMessage } from '../../core/errors.ts';
import { cleanText } from './untrusted.ts';

export type FailureKind =
  | 'timeout'
  | 'connection'
  | 'rate_limit'
  | 'server_error'
  | 'auth'
  | 'model_not_found'
  | 'bad_request'
  | 'refusal'
  | 'length'
  | 'content_filter'
  | 'invalid_output'
  | 'ungrounded'
  | 'circuit_open'
  | 'unexpected';

/** Failures that say the model service is unwell rather than anything about this report. */
export const TRANSIENT_KINDS: ReadonlySet<FailureKind> = new Set(['timeout', 'connection', 'rate_limit', 'server_error']);

/** Why the LLM engine could not produce a grounded result; its message becomes `engine.fallback.reason`. */
export class LlmFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'LlmFailure';
  }

  get transient(): boolean {
    return TRANSIENT_KINDS.has(this.kind);
  }
}

/** Whether the model answered (so tokens were spent) before the error. */
export function modelAnswered(failure: LlmFailure): boolean {
  return ['refusal', 'length', 'content_filter', 'invalid_output'].includes(failure.kind);
}

/** Maps whatever the SDK (or JSON/zod parsing inside `.parse`) threw to a failure with a readable reason. */
export function classify(error: unknown, context: { timeoutMs: number; retries: number }): LlmFailure {
  if (error instanceof LlmFailure) return error;
  const after = context.retries > 0 ? ` (after ${context.retries} ${context.retries === 1 ? 'retry' : 'retries'})` : '';
  if (error instanceof APIConnectionTimeoutError) return new LlmFailure('timeout', `model timed out after ${context.timeoutMs} ms${after}`, { cause: error });
  if (error instanceof APIConnectionError)
    return new LlmFailure('connection', `could not reach the model server${after}: ${rootMessage(error)}`, { cause: error });
  if (error instanceof RateLimitError) return new LlmFailure('rate_limit', `model rate limit or quota exceeded (HTTP 429)${after}`, { cause: error });
  if (error instanceof AuthenticationError || error instanceof PermissionDeniedError) {
    return new LlmFailure('auth', `model server rejected the credentials (HTTP ${error.status}): check OPENAI_API_KEY`, { cause: error });
  }
  if (error instanceof NotFoundError)
    return new LlmFailure('model_not_found', `model or endpoint not found (HTTP 404): check OPENAI_MODEL and OPENAI_BASE_URL`, { cause: error });
  if (error instanceof APIError && typeof error.status === 'number') {
    if (error.status >= 500) return new LlmFailure('server_error', `model server error (HTTP ${error.status})${after}`, { cause: error });
    return new LlmFailure('bad_request', `model server refused the request (HTTP ${error.status}): ${short(error.message)}`, { cause: error });
  }
  if (error instanceof LengthFinishReasonError) return new LlmFailure('length', 'model output was cut off at the length limit', { cause: error });
  if (error instanceof ContentFilterFinishReasonError)
    return new LlmFailure('content_filter', "model output was blocked by the provider's content filter", { cause: error });
  if (error instanceof SyntaxError) return new LlmFailure('invalid_output', 'model output was not valid JSON', { cause: error });
  if (error instanceof ZodError) {
    const issue = error.issues[0];
    const where = issue ? ` at ${issue.path.join('.') || 'root'}: ${issue.message}` : '';
    return new LlmFailure('invalid_output', `model output did not match the schema${short(where)}`, { cause: error });
  }
  return new LlmFailure('unexpected', `unexpected error: ${short(errorMessage(error))}`, { cause: error });
}

function rootMessage(error: Error): string {
  let e: unknown = error;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  return short(errorMessage(e));
}

function short(text: string): string {
  return cleanText(text, 160);
}
