import * as clients from '../../lambda/aws/clients';

type Clients = typeof clients;
type AnyClient = ReturnType<Clients['batchClient'] | Clients['s3Client'] | Clients['logsClient']>;

/** A fresh copy of the module, so its once-per-container clients are made again under `env`. */
function loadWith(env: Record<string, string>): Clients {
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  try {
    let fresh: Clients | undefined;
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- jest.isolateModules loads afresh only what is required inside it
      fresh = require('../../lambda/aws/clients') as Clients;
    });
    // The clients read the environment when first made, so make them while it is set.
    fresh!.batchClient();
    fresh!.s3Client();
    fresh!.logsClient();
    return fresh!;
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

async function retryOf(client: AnyClient) {
  const config = client.config as unknown as { retryMode: string; maxAttempts: () => Promise<number>; retryStrategy: () => Promise<{ mode?: string }> };
  // The strategy is what the SDK actually retries with; `mode` names it (adaptive, standard).
  return { mode: config.retryMode, maxAttempts: await config.maxAttempts(), strategy: (await config.retryStrategy()).mode };
}

describe('Function: clients', () => {
  it.each(['batchClient', 's3Client', 'logsClient'] as const)('%s makes one client per container and reuses it', (name) => {
    expect(clients[name]()).toBe(clients[name]());
  });

  it('retries Batch and CloudWatch Logs adaptively (they throttle) and S3 in standard mode, 6 attempts each', async () => {
    const batch = await retryOf(clients.batchClient());
    const logs = await retryOf(clients.logsClient());
    const s3 = await retryOf(clients.s3Client());

    expect(batch).toEqual({ mode: 'adaptive', maxAttempts: 6, strategy: 'adaptive' });
    expect(logs).toEqual({ mode: 'adaptive', maxAttempts: 6, strategy: 'adaptive' });
    expect(s3).toEqual({ mode: 'standard', maxAttempts: 6, strategy: 'standard' });
  });

  it('lets AWS_RETRY_MODE and AWS_MAX_ATTEMPTS override both', async () => {
    const fresh = loadWith({ AWS_RETRY_MODE: 'standard', AWS_MAX_ATTEMPTS: '2' });

    for (const client of [fresh.batchClient(), fresh.s3Client(), fresh.logsClient()]) {
      expect(await retryOf(client)).toEqual({ mode: 'standard', maxAttempts: 2, strategy: 'standard' });
    }
  });

  it('gives up connecting after 3 s and waiting for an answer after 20 s', async () => {
    for (const client of [clients.batchClient(), clients.s3Client(), clients.logsClient()]) {
      const handler = client.config.requestHandler as unknown as { configProvider: Promise<{ connectionTimeout?: number; requestTimeout?: number }> };
      await expect(handler.configProvider).resolves.toMatchObject({ connectionTimeout: 3_000, requestTimeout: 20_000 });
    }
  });
});
