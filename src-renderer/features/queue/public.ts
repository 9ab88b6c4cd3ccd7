/** What other features may use of the queue feature. */
export { etaMeter, formatEta } from './eta.js';
export { queueStatsKey, useQueueStats } from './queries.js';

/** The Queue page. */
export const queueHref = '#/queue';
