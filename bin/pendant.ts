#!/usr/bin/env node
import { App } from 'aws-cdk-lib';

// The example app. Its stacks arrive with the constructs; until then it synthesizes an empty assembly.
const app = new App();
app.synth();
