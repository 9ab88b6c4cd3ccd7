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

/**
 * A queue job type as the renderer and the CLI see it: its name and the stages its
 * handler reports (`ctx.progress(stage)` accepts only these; the UI has a message for each).
 */
export interface JobTypeSpec<Stage extends string = string> {
  stages: readonly Stage[];
}

export function jobType<const Stage extends string = never>(spec: { stages?: readonly Stage[] } = {}): JobTypeSpec<Stage> {
  return { stages: spec.stages ?? [] };
}

/**
 * A kind of queue batch (a parent job). `notify`: whether its end becomes an OS
 * notification or a web toast of its own (an import says so in its own panel instead).
 * `noun` names it in a notification where the renderer's strings are out of reach
 * (the Electron main process).
 */
export interface BatchTypeSpec {
  notify: boolean;
  noun: { en: string; tr: string };
}

export function batchType(spec: BatchTypeSpec): BatchTypeSpec {
  return spec;
}

/**
 * A file the engine streams to the user: the web mode downloads it from
 * `/api/download/<name>?p=<params as JSON>`, the desktop app writes it where a save
 * dialog says (through the feature's method that takes a destination path).
 */
export interface DownloadSpec<P extends z.ZodType = z.ZodType> {
  params: P;
  summary: string;
}

export function download<P extends z.ZodType>(params: P, summary: string): DownloadSpec<P> {
  return { params, summary };
}

/**
 * One feature's part of the contract: its methods, events, job types and batch types.
 * Every slice is listed once in contract/index.ts; a name may appear in one slice only.
 */
export interface ContractSlice {
  methods: Record<string, MethodSpec>;
  events: Record<string, z.ZodType>;
  jobs: Record<string, JobTypeSpec>;
  batchTypes: Record<string, BatchTypeSpec>;
  downloads: Record<string, DownloadSpec>;
}

type None = Record<never, never>;

export function defineSlice<
  const M extends Record<string, MethodSpec>,
  const E extends Record<string, z.ZodType> = None,
  const J extends Record<string, JobTypeSpec> = None,
  const B extends Record<string, BatchTypeSpec> = None,
  const D extends Record<string, DownloadSpec> = None,
>(slice: { methods: M; events?: E; jobs?: J; batchTypes?: B; downloads?: D }): { methods: M; events: E; jobs: J; batchTypes: B; downloads: D } {
  return {
    methods: slice.methods,
    events: (slice.events ?? {}) as E,
    jobs: (slice.jobs ?? {}) as J,
    batchTypes: (slice.batchTypes ?? {}) as B,
    downloads: (slice.downloads ?? {}) as D,
  };
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
