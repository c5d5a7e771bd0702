import { chunk, mapWithConcurrency } from '../../lambda/core/concurrency';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A call that records how many calls are in flight while it waits `ms`. */
function meter() {
  const state = { inFlight: 0, maxInFlight: 0, started: [] as number[] };
  const call = async (item: number, ms = 2): Promise<number> => {
    state.started.push(item);
    state.inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    await delay(ms);
    state.inFlight--;
    return item * 10;
  };
  return { state, call };
}

describe('Function: mapWithConcurrency', () => {
  it.each([
    [1, 10, 1],
    [3, 10, 3],
    [8, 10, 8],
    [8, 3, 3],
  ])('keeps at most %i calls in flight for %i items (measured %i)', async (limit, count, expected) => {
    const { state, call } = meter();

    const results = await mapWithConcurrency(
      Array.from({ length: count }, (_, index) => index),
      limit,
      (item) => call(item),
    );

    expect(state.maxInFlight).toBe(expected);
    expect(state.started).toHaveLength(count);
    expect(results).toEqual(Array.from({ length: count }, (_, index) => index * 10));
  });

  it('keeps the results in the order of the items when calls finish out of order', async () => {
    const waits = [30, 1, 20, 2, 10, 3];

    const results = await mapWithConcurrency(waits, 3, async (ms, index) => {
      await delay(ms);
      return `${index}:${ms}`;
    });

    expect(results).toEqual(['0:30', '1:1', '2:20', '3:2', '4:10', '5:3']);
  });

  it('passes each item its index', async () => {
    const seen: Array<[string, number]> = [];

    await mapWithConcurrency(['a', 'b', 'c'], 2, async (item, index) => {
      seen.push([item, index]);
      return item;
    });

    expect(seen.sort()).toEqual([
      ['a', 0],
      ['b', 1],
      ['c', 2],
    ]);
  });

  it('calls nothing for no items', async () => {
    const fn = jest.fn(async () => 1);

    await expect(mapWithConcurrency([], 4, fn)).resolves.toEqual([]);
    expect(fn).not.toHaveBeenCalled();
  });

  it.each([0, -3])('treats a limit of %i as 1', async (limit) => {
    const { state, call } = meter();

    const results = await mapWithConcurrency([1, 2, 3], limit, (item) => call(item));

    expect(results).toEqual([10, 20, 30]);
    expect(state.maxInFlight).toBe(1);
  });

  it('throws the first rejection', async () => {
    const failure = new Error('HeadObject failed');

    const outcome = mapWithConcurrency([1, 2, 3, 4], 2, async (item) => {
      await delay(item);
      if (item === 2) throw failure;
      return item;
    });

    await expect(outcome).rejects.toBe(failure);
  });

  it('throws when a call throws synchronously', async () => {
    const failure = new TypeError('not a function');

    await expect(
      mapWithConcurrency([1], 1, () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
  });

  it('starts no more calls once one has failed, leaving those already started to finish', async () => {
    const { state, call } = meter();
    const finished: number[] = [];

    const outcome = mapWithConcurrency(
      Array.from({ length: 20 }, (_, index) => index),
      3,
      async (item) => {
        if (item === 0) {
          await delay(1);
          throw new Error('first call failed');
        }
        const result = await call(item, 10);
        finished.push(item);
        return result;
      },
    );

    await expect(outcome).rejects.toThrow('first call failed');
    await delay(40);
    // Items 1 and 2 were in flight when item 0 failed: they finish, and nothing after them starts.
    expect(state.started).toEqual([1, 2]);
    expect(finished).toEqual([1, 2]);
  });
});

describe('Function: chunk', () => {
  it('splits 250 items into chunks of 100, 100 and 50, in order', () => {
    const items = Array.from({ length: 250 }, (_, index) => index);

    const chunks = chunk(items, 100);

    expect(chunks.map((part) => part.length)).toEqual([100, 100, 50]);
    expect(chunks.flat()).toEqual(items);
  });

  it('makes whole chunks when the size divides the count', () => {
    expect(chunk([1, 2, 3, 4], 2)).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it('makes one chunk of items fewer than the size', () => {
    expect(chunk(['a'], 100)).toEqual([['a']]);
  });

  it('makes no chunk of no items', () => {
    expect(chunk([], 100)).toEqual([]);
  });
});
