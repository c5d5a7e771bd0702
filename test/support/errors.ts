/**
 * Awaits `promise` and asserts it rejects with an error of class `type`, whose `name` is the class name (what Lambda
 * reports as `errorType`) and whose message is exactly `message`. Returns the error for further assertions.
 */
export async function expectRejection(promise: Promise<unknown>, type: abstract new (...args: never[]) => Error, message: string): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(type);
  expect((error as Error).name).toBe(type.name);
  expect((error as Error).message).toBe(message);
  return error as Error;
}
