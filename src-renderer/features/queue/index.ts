import { defineFeature } from '../../app/feature.js';
import { useBatchToasts } from './batch-toasts.js';
import { queueIcon } from './icons.js';
import { en, tr } from './messages.js';
import './queue.css';
import { QueuePage } from './QueuePage.js';

/** The durable queue's page (counts, batches, jobs and their controls) and the toast when a batch finishes. */
export const queueFeature = defineFeature({
  name: 'queue',
  messages: { en, tr },
  routes: [{ page: 'queue', order: 60, label: 'nav.queue', icon: queueIcon, Page: QueuePage }],
  live: [useBatchToasts],
});
