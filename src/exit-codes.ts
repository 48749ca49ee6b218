/** Process exit codes shared by the server and the CLI (documented in the README). */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  /** Another process has the embedded database open. */
  locked: 3,
  config: 4,
  notFound: 5,
} as const;
