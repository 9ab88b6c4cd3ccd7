import { z } from 'zod';
import {
  ContractError,
  isMethodName,
  methods,
  parseOrThrow,
  type MethodName,
  type MethodOutput,
} from '../../../src-shared/contract/index.js';
import type { Engine } from '../engine.js';
import { handlers } from './handlers.js';

export type Dispatch = (name: string, input: unknown) => Promise<unknown>;

/**
 * The single entry point every transport calls: checks the method name, validates the
 * input against the contract, runs the handler and validates what it answers.
 * Errors leave as ContractError; anything unexpected becomes `internal` (and is logged).
 */
export function createDispatcher(engine: Engine): Dispatch {
  return async (name, rawInput) => {
    if (!isMethodName(name)) throw new ContractError('not_found', `unknown method: ${String(name)}`);
    const spec = methods[name];
    const input = parseOrThrow(spec.input, rawInput ?? {}, name);
    try {
      const output = await (handlers[name] as (e: Engine, i: unknown) => Promise<unknown> | unknown)(engine, input);
      return (spec.output as z.ZodType).parse(output);
    } catch (err) {
      if (err instanceof ContractError) throw err;
      console.error(`[engine] ${name} failed`, err);
      throw new ContractError('internal', `${name} failed: ${(err as Error).message}`);
    }
  };
}

export type Handlers = { [M in MethodName]: (engine: Engine, input: z.output<(typeof methods)[M]['input']>) => Promise<MethodOutput<M>> | MethodOutput<M> };
