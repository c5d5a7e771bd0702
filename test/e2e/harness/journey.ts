/**
 * Steps of a journey: jest tests that run in order and depend on each other. The first step that fails reports its
 * error (with `diagnostics()` appended); every later step then fails at once, naming it, instead of running on a
 * state that no longer holds.
 *
 * @example
 * const step = journey(() => recentLogs());
 * step('deploys the app', async () => { … });
 * step('submits a job', async () => { … });
 */
export function journey(diagnostics: () => string = () => ''): (name: string, run: () => Promise<void>, timeoutMillis?: number) => void {
  let failed: string | undefined;
  // A step jest abandoned at its timeout never reaches its catch: the next step finds it still unfinished.
  let unfinished: string | undefined;
  return (name, run, timeoutMillis) => {
    it(
      name,
      async () => {
        failed ??= unfinished;
        if (failed !== undefined) {
          const skipped = new Error(`not run: the earlier step "${failed}" failed`);
          skipped.stack = skipped.message; // no code frame: the place is not the point
          throw skipped;
        }
        unfinished = name;
        try {
          await run();
          unfinished = undefined;
        } catch (error) {
          failed = name;
          const extra = diagnostics();
          if (error instanceof Error && extra !== '') error.message += `\n\n${extra}`;
          throw error;
        }
      },
      timeoutMillis,
    );
  };
}
