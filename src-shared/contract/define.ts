import { z } from 'zod';

/** A request/response method of the contract. Both sides are validated at runtime. */
export interface MethodSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  input: I;
  output: O;
  /** One line for `--help`, the API index and docs. */
  summary: string;
}

export function method<I extends z.ZodType, O extends z.ZodType>(input: I, output: O, summary: string): MethodSpec<I, O> {
  return { input, output, summary };
}

export const ErrorCode = z.enum(['invalid_input', 'not_found', 'conflict', 'unavailable', 'unauthorized', 'forbidden', 'internal']);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorBody = z.object({ code: ErrorCode, message: z.string() });
export type ErrorBody = z.infer<typeof ErrorBody>;

/** The one error type that crosses a transport. Anything else becomes `internal`. */
export class ContractError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ContractError';
  }
  toJSON(): ErrorBody {
    return { code: this.code, message: this.message };
  }
}

/** The HTTP status for each error code (the web transport uses it; IPC carries the code). */
export const httpStatusFor: Record<ErrorCode, number> = {
  invalid_input: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unavailable: 503,
  internal: 500,
};

/** Readable text for a zod failure, e.g. `name: name is empty`. */
export function describeZodError(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}

export function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ContractError('invalid_input', `${what}: ${describeZodError(result.error)}`);
  return result.data;
}
