/** Where test/support/crash-ingest-child.ts stops an upload to be killed. */
export const CRASH_STEPS = ['after-blob', 'after-metadata', 'before-index', 'after-index'] as const;
export type CrashStep = (typeof CRASH_STEPS)[number];
