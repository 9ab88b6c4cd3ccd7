import type { EngineEvent, EventName, EventPayload } from '../../src-shared/contract/index.js';

type Listener = (event: EngineEvent) => void;

/** Fan-out of engine events to every transport's subscribers. */
export class EventBus {
  private readonly listeners = new Set<Listener>();

  emit<E extends EventName>(type: E, payload: EventPayload<E>): void {
    const event = { type, payload } as EngineEvent;
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (err) {
        // A broken subscriber must not stop the others or the engine.
        console.error('event listener failed', err);
      }
    }
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
