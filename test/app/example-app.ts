import { App } from 'aws-cdk-lib';
import { CallerStack, PlatformStack } from '../../bin/stacks';

/** The example app as bin/pendant.ts builds it (which synthesizes on import, so the tests build their own). */
export function exampleApp(): { app: App; platform: PlatformStack; caller: CallerStack } {
  const app = new App();
  const platform = new PlatformStack(app, 'PendantPlatform', {
    description: 'pendant example: an AWS Batch platform with its runtime functions',
  });
  const caller = new CallerStack(app, 'PendantCaller', {
    description: "pendant example: a Lambda in another stack that submits jobs through the platform's submit function",
    runtime: platform.platform.runtime,
  });
  return { app, platform, caller };
}
