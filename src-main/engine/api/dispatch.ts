import { z } from 'zod';
import { ContractError, isMethodName, methods, parseOrThrow } from '../../../src-shared/contract/index.js';
import type { Engine } from '../engine.js';

export type Dispatch = (name: string, input: unknown) => Promise<unknown>;

/**
 * The single entry point every transport calls: checks the method name, validates the
 * input against the contract, runs the handler its feature registered and validates
 * what it answers. Errors leave as ContractError; anything unexpected becomes
 * `internal` (and is logged).
 */
export function createDispatcher(engine: Engine): Dispatch {
  return async (name, rawInput) => {
    if (!isMethodName(name)) throw new ContractError('not_found', `unknown method: ${String(name)}`);
    const spec = methods[name];
    const input = parseOrThrow(spec.input, rawInput ?? {}, name);
    const handler = engine.handler(name);
    if (!handler) throw new ContractError('unavailable', `${name} is not served by this engine (its feature is not installed)`);
    try {
      const output = await (handler as (i: unknown) => unknown)(input);
      return (spec.output as z.ZodType).parse(output);
    } catch (err) {
      if (err instanceof ContractError) throw err;
      console.error(`[engine] ${name} failed`, err);
      throw new ContractError('internal', `${name} failed: ${(err as Error).message}`);
    }
  };
}
