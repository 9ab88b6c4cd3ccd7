/**
 * The job types and batch types this engine runs, each with the services its handlers and
 * hooks reach (its feature's API), and the resources some job type uses.
 */
import { resourceNames, type BatchTypeDefinition, type JobDefinition, type Resource } from './types.js';

export interface RegisteredJob {
  def: JobDefinition<unknown, unknown, unknown>;
  services: unknown;
}

export interface RegisteredBatchType {
  def: BatchTypeDefinition<unknown>;
  services: unknown;
}

export class Registry {
  private readonly jobs = new Map<string, RegisteredJob>();
  private readonly batchTypes = new Map<string, RegisteredBatchType>();
  /** Resources some registered job type uses: the only ones worth a claim. */
  activeResources: readonly Resource[] = [];

  register<D extends Pick<JobDefinition, 'type' | 'resource'>>(definition: D, services?: unknown): D {
    if (this.jobs.has(definition.type)) throw new Error(`job type ${definition.type} is registered twice`);
    this.jobs.set(definition.type, { def: definition as unknown as JobDefinition<unknown, unknown, unknown>, services });
    this.activeResources = resourceNames.filter((r) => [...this.jobs.values()].some((d) => d.def.resource === r));
    return definition;
  }

  registerBatchType<B extends Pick<BatchTypeDefinition, 'type'>>(definition: B, services?: unknown): B {
    if (this.batchTypes.has(definition.type)) throw new Error(`batch type ${definition.type} is registered twice`);
    this.batchTypes.set(definition.type, { def: definition as unknown as BatchTypeDefinition<unknown>, services });
    return definition;
  }

  job(type: string): RegisteredJob | undefined {
    return this.jobs.get(type);
  }

  batchType(type: string): RegisteredBatchType | undefined {
    return this.batchTypes.get(type);
  }

  has(type: string): boolean {
    return this.jobs.has(type);
  }

  hasBatchType(type: string): boolean {
    return this.batchTypes.has(type);
  }
}
