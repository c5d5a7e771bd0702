#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { CallerStack, PlatformStack } from './stacks';

// Environment-agnostic on purpose: no account or region, so `cdk synth` needs no credentials and no lookups.
const app = new App();
const platform = new PlatformStack(app, 'PendantPlatform', {
  description: 'pendant example: an AWS Batch platform with its runtime functions',
});
new CallerStack(app, 'PendantCaller', {
  description: "pendant example: a Lambda in another stack that submits jobs through the platform's submit function",
  runtime: platform.platform.runtime,
});
app.synth();
