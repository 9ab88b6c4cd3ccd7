import type { MessageTree } from './types.js';

/** The shell's own English strings; each feature brings its own (src-renderer/features/<name>/messages.ts). */
export const en = {
  app: {
    name: 'Atölye',
    skipToContent: 'Skip to content',
  },
  nav: {
    label: 'Main navigation',
  },
  connection: {
    connecting: 'Connecting to the engine…',
    reconnecting: 'Connection to the engine lost, reconnecting…',
  },
  unauthorized: {
    title: 'This window is not signed in to the engine',
    body: 'Open the address printed by “atolye serve” or “npm start”: it ends in ?token=… and signs this browser in. Each start of the engine makes a new token, so an old tab needs the new address.',
  },
  states: {
    pending: 'Pending',
    paused: 'Paused',
    running: 'Running',
    completed: 'Completed',
    failed: 'Failed',
    cancelled: 'Cancelled',
    needs_review: 'Needs review',
  },
  batchSummary: {
    done: '{{done, number}} of {{total, number}} done',
    needsReview_one: '{{count, number}} needs review',
    needsReview_other: '{{count, number}} need review',
    failed_one: '{{count, number}} failed',
    failed_other: '{{count, number}} failed',
    cancelled_one: '{{count, number}} cancelled',
    cancelled_other: '{{count, number}} cancelled',
    eta: 'about {{time}} left',
  },
  resources: {
    gpu: 'GPU slot',
    cpu: 'CPU slot',
    io: 'Disk and network slot',
  },
  priorities: {
    urgent: 'Urgent',
    normal: 'Normal',
    background: 'Background',
  },
  errorKinds: {
    permanent: 'permanent: not retried',
    transient: 'transient: retried',
    oom: 'out of memory',
    timeout: 'timed out',
    poison: 'crashed the engine repeatedly',
    rate_limited: 'rate limited',
  },
  providers: {
    cuda: 'CUDA (NVIDIA GPU)',
    dml: 'DirectML (GPU)',
    coreml: 'Core ML',
    cpu: 'CPU',
  },
  toast: {
    error: '{{message}}',
    dismiss: 'Dismiss notification',
  },
  languages: {
    en: 'English',
    tr: 'Türkçe',
  },
  shortcuts: {
    title: 'Keyboard shortcuts',
    goTo: 'Go to {{page}}',
    help: 'Show this list',
    key: 'Keys',
    action: 'Action',
  },
  common: {
    cancel: 'Cancel',
    close: 'Close',
    delete: 'Delete',
    save: 'Save',
    loading: 'Loading…',
  },
  placeholder: {
    notYet: 'Not built yet',
  },
  callErrors: {
    invalid_input: '{{message}}',
    not_found: '{{message}}',
    conflict: '{{message}}',
    unavailable: '{{message}}',
    unauthorized: '{{message}}',
    forbidden: '{{message}}',
    internal: '{{message}}',
  },
  errors: {
    uncoded: '{{text}}',
    disk_full: 'The disk is full: free some space and retry.',
    poison: 'It crashed the engine repeatedly, so it is not run again.',
  },
} satisfies MessageTree;
