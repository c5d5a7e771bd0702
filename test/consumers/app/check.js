// Checks what a consumer app synthesized: `node check.js <cdk.out> <strong|weak>`. CommonJS, no
// dependencies but pendant's own `pendant/testing` entry point, so it runs in every consumer as it is.
const assert = require('node:assert/strict');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { assetHashSerializer } = require('pendant/testing');

const [outdir, strength] = process.argv.slice(2);
const read = (stack) => JSON.parse(readFileSync(join(outdir, `${stack}.template.json`), 'utf8'));
const ofType = (template, type) => Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
const invokeStatements = (template) =>
  ofType(template, 'AWS::IAM::Policy')
    .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement)
    .filter((statement) => [statement.Action].flat().includes('lambda:InvokeFunction'));

const platform = read('ConsumerPlatform');
// One function per runtime operation: validate, submit, status, logs, terminate and describe.
assert.equal(ofType(platform, 'AWS::Lambda::Function').length, 6, "the platform's six runtime functions");
assert.equal(ofType(platform, 'AWS::Batch::JobDefinition').length, 1);
assert.equal(assetHashSerializer.test(platform), true, 'pendant/testing finds the handler bundles by asset hash');

// The cross-stack grantSubmit: the caller may invoke the platform's submit function, referenced across stacks.
const caller = read('ConsumerCaller');
const [grant, ...others] = invokeStatements(caller);
assert.equal(others.length, 0, 'one invoke statement');
const reference = JSON.stringify(grant.Resource);
const exportsOf = Object.values(platform.Outputs ?? {}).filter((output) => output.Export !== undefined);
if (strength === 'weak') {
  assert.match(reference, /Fn::GetStackOutput/, "a weak reference reads the platform stack's output");
  assert.doesNotMatch(reference, /Fn::ImportValue/, 'a weak reference is no import');
  assert.equal(exportsOf.length, 0, 'a weak reference exports nothing');
} else {
  assert.match(reference, /Fn::ImportValue/, 'a strong reference imports the export');
  assert.ok(exportsOf.length > 0, 'the platform exports the submit function ARN');
}

// fromFunctionArns with the submit function alone: the grant names that one ARN.
const imported = read('ConsumerImportedCaller');
const arns = JSON.stringify(invokeStatements(imported).map((statement) => statement.Resource));
assert.match(arns, /function:pendant-submit/);
assert.doesNotMatch(arns, /validate|status|logs|terminate/);

console.log(`${outdir}: platform, cross-stack grantSubmit (${strength}) and imported submit function check out`);
