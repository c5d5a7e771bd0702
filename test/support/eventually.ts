/**
 * Runs `check` until it passes, every `intervalMillis`, for at most `timeoutMillis`; then its last failure. For what
 * moto, a container engine or a state machine settles a moment after the call that starts it.
 */
export async function eventually<T>(check: () => Promise<T>, { timeoutMillis, intervalMillis }: { timeoutMillis: number; intervalMillis: number }): Promise<T> {
  const deadline = Date.now() + timeoutMillis;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, intervalMillis));
    }
  }
}
