#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { addExampleStacks } from './stacks';

// Environment-agnostic on purpose: no account or region, so `cdk synth` needs no credentials and no lookups.
const app = new App();
addExampleStacks(app);
app.synth();
