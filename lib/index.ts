// `pendant`: the vocabulary of a CDK app. The constructs, their props and the types those props name (the jsii entry
// point, lib/constructs.ts), and `ValidationError`, what they throw at synth time. What a caller of the runtime
// functions uses (requests, responses, S3 URIs, job names, statuses and the functions' errors) is `pendant/model`;
// test/packaging/surface.test.ts holds both lists, so a change to either is deliberate.
export * from './constructs';
export { ValidationError } from './model/errors';
