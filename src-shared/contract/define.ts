import { z } from 'zod';

/**
 * The ways a method can be reached. `http`: the loopback server (web mode, a CLI talking
 * to `atolye serve`); `ipc`: the desktop renderer through Electron main; `local`: code in
 * the engine's own process (the CLI's commands, tests). docs/security.md lists them.
 */
export const Transport = z.enum(['http', 'ipc', 'local']);
export type Transport = z.infer<typeof Transport>;

export const allTransports: readonly Transport[] = Transport.options;

/**
 * Where an input field sits: `paths` (a top-level field), `files[].path` (a field of each
 * element of an array field), `a.b` (nested objects).
 */
export type FieldPath = string;

/** A request/response method of the contract. Both sides are validated at runtime. */
export interface MethodSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  input: I;
  output: O;
  /** One line for `--help`, the API index and docs. */
  summary: string;
  /**
   * Input fields that name a file or folder on the engine's machine (read from or written
   * to). A call that fills one is refused over HTTP (a web page must upload, or download
   * through a route), and over IPC it must carry a grant the desktop shell issued for a
   * path the user chose in a main-process dialog (docs/security.md).
   */
  local?: readonly FieldPath[];
  /** Transports that may call it at all (default: every one). */
  transports?: readonly Transport[];
}

export interface MethodFlags {
  local?: readonly FieldPath[];
  transports?: readonly Transport[];
}

export function method<I extends z.ZodType, O extends z.ZodType>(input: I, output: O, summary: string, flags: MethodFlags = {}): MethodSpec<I, O> {
  return { input, output, summary, ...flags };
}

/** Values at a field path of an input (`files[].path` answers every element's `path`), skipping undefined and null. */
export function valuesAt(input: unknown, field: FieldPath): unknown[] {
  let current: unknown[] = [input];
  for (const part of field.split('.')) {
    const each = part.endsWith('[]');
    const key = each ? part.slice(0, -2) : part;
    const next: unknown[] = [];
    for (const v of current) {
      if (typeof v !== 'object' || v === null || !Object.prototype.hasOwnProperty.call(v, key)) continue;
      const child = (v as Record<string, unknown>)[key];
      if (each) {
        if (Array.isArray(child)) next.push(...child);
      } else next.push(child);
    }
    current = next;
  }
  return current.filter((v) => v !== undefined && v !== null);
}

/** The local-path fields a call fills (empty when it names no path on the engine's machine). */
export function localFieldsUsed(spec: Pick<MethodSpec, 'local'>, input: unknown): FieldPath[] {
  return (spec.local ?? []).filter((f) => valuesAt(input, f).length > 0);
}

/** Whether a transport may call a method (its `transports`, every one by default). */
export function transportAllows(spec: Pick<MethodSpec, 'transports'>, transport: Transport): boolean {
  return (spec.transports ?? allTransports).includes(transport);
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

/**
 * The largest file one upload may carry (web mode stages files before importing them).
 * The server refuses a bigger Content-Length at once with 413, and the staging area stops
 * reading past it; a client can check before it sends.
 */
export const UPLOAD_MAX_BYTES = 2 * 1024 ** 3;

/**
 * The largest JSON body of a contract call. Sized for the biggest input the contract
 * accepts: import.start with 50,000 uploads and their relative names (up to 1,024
 * characters each, at most 4 bytes per character in UTF-8, escaped in JSON).
 */
export const RPC_MAX_BYTES = 64 * 1024 * 1024;

/** The most uploads one import.start may name (a browser drop of a very large folder). */
export const IMPORT_MAX_UPLOADS = 50_000;
