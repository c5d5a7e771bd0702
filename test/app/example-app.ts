import { App } from 'aws-cdk-lib';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CallerStack, PlatformStack } from '../../bin/stacks';

/**
 * The example app as bin/pendant.ts builds it (which synthesizes on import, so the tests build their own), with
 * cdk.json's context, feature flags included, as `cdk synth` gives it: the snapshots are the templates users get.
 */
export function exampleApp(): { app: App; platform: PlatformStack; caller: CallerStack } {
  const cdkJson = JSON.parse(readFileSync(join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  const app = new App({ context: cdkJson.context });
  const platform = new PlatformStack(app, 'PendantPlatform', {
    description: 'pendant example: an AWS Batch platform with its runtime functions',
  });
  const caller = new CallerStack(app, 'PendantCaller', {
    description: "pendant example: a Lambda in another stack that submits jobs through the platform's submit function",
    runtime: platform.platform.runtime,
  });
  return { app, platform, caller };
}
