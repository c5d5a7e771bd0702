import { App, Stack } from 'aws-cdk-lib';
import { BatchPlatform, ComputeKind, JobPlatform, Parameter } from '../../lib';
import { INPUTS_PREFIX, jobDefinitionCount, jobDefinitionShape, reportStatsOnExit } from './workload';

/**
 * The example platform (`bin/stacks.ts` PlatformStack) with N job definitions shaped like its demo-job, as a user
 * writes it with pendant. Compiled to JS and run by `cdk synth --app "node pendant-app.js"`.
 */
reportStatsOnExit();
const app = new App();
const stack = new Stack(app, 'PendantPlatform', { description: 'pendant bench: the example platform with N job definitions' });
new BatchPlatform(stack, 'Platform', {
  jobQueues: [
    { id: 'FargateQueue', compute: [ComputeKind.FARGATE_SPOT, ComputeKind.FARGATE] },
    { id: 'Ec2SpotQueue', compute: [ComputeKind.EC2_SPOT], priority: 10 },
  ],
  jobDefinitions: Array.from({ length: jobDefinitionCount() }, (_, index) => ({
    ...jobDefinitionShape(index),
    parameters: {
      input_object: Parameter.s3Object({ mustExist: true, within: [INPUTS_PREFIX], description: 'The S3 URI of the input object' }),
    },
    platform: JobPlatform.FARGATE,
  })),
});
app.synth();
