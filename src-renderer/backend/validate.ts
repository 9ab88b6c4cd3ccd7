import type { z } from 'zod';
import {
  ContractError,
  describeZodError,
  ErrorBody,
  ErrorCode,
  events,
  methods,
  type EngineEvent,
  type MethodName,
  type MethodOutput,
} from '../../src-shared/contract/index.js';

/**
 * The engine validates what it sends, but the renderer checks again: a transport bug or
 * a renderer built against another contract version should fail loudly here, not as an
 * undefined deep inside a component.
 */
export function parseOutput<M extends MethodName>(name: M, body: unknown): MethodOutput<M> {
  const schema = methods[name].output as z.ZodType;
  const result = schema.safeParse(body);
  if (!result.success) throw new ContractError('internal', `${name} answered an unexpected shape: ${describeZodError(result.error)}`);
  return result.data as MethodOutput<M>;
}

/** An event from the wire, or null for one this renderer does not know (a newer engine) or a malformed one. */
export function parseEvent(raw: unknown): EngineEvent | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const { type, payload } = raw as { type?: unknown; payload?: unknown };
  if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(events, type)) return null;
  const schema = events[type as keyof typeof events] as z.ZodType;
  const result = schema.safeParse(payload);
  if (!result.success) {
    console.warn(`[backend] dropped malformed ${type} event: ${describeZodError(result.error)}`);
    return null;
  }
  return { type, payload: result.data } as EngineEvent;
}

/** A ContractError from an error body, or from the HTTP status when the body is not one. */
export function errorFromResponse(status: number, body: unknown): ContractError {
  const parsed = ErrorBody.safeParse(body);
  if (parsed.success) return new ContractError(parsed.data.code, parsed.data.message);
  const code: ErrorCode =
    status === 400
      ? 'invalid_input'
      : status === 401
        ? 'unauthorized'
        : status === 403
          ? 'forbidden'
          : status === 404
            ? 'not_found'
            : status === 409
              ? 'conflict'
              : status === 503
                ? 'unavailable'
                : 'internal';
  return new ContractError(code, `HTTP ${status}`);
}

/** Errors that crossed IPC lose their class; keep the code when the message or a field carries it. */
export function toContractError(err: unknown): ContractError {
  if (err instanceof ContractError) return err;
  const e = err as { code?: unknown; message?: unknown } | null;
  const message = typeof e?.message === 'string' ? e.message : String(err);
  const code = ErrorCode.safeParse(e?.code);
  if (code.success) return new ContractError(code.data, message);
  // The preload bridge carries the code in the message as "[code] message": contextBridge copies only an Error's message.
  const m = /\[([a-z_]+)\]\s*([\s\S]*)$/.exec(message);
  const bracketed = ErrorCode.safeParse(m?.[1]);
  if (m && bracketed.success) return new ContractError(bracketed.data, m[2] || message);
  return new ContractError('internal', message);
}
