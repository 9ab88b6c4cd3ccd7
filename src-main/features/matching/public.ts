/** What other features may use of matching. */
export { matchingFeature } from './index.js';
export type { MatchingApi } from './api.js';
