#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { CallerStack, ImportedCallerStack, PlatformStack } from '../lib/stacks';

// Environment-agnostic: synthesizes with no credentials and no network.
const app = new App();
const platform = new PlatformStack(app, 'ConsumerPlatform');
new CallerStack(app, 'ConsumerCaller', { runtime: platform.platform });
new ImportedCallerStack(app, 'ConsumerImportedCaller');
app.synth();
