import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { JobDefinition } from './job-definition';
import { JobQueue } from './job-queue';
import { encodeConfig, JobDefinitionEntry, ParameterSpecs, S3Uri } from './model';
import { acknowledgeWildcard } from './private/acknowledge';
import { handlerCode, Operation } from './private/handler-code';

/** What another stack needs to call a platform's runtime functions. */
export interface IRuntimeFunctions {
  readonly validateFunction: lambda.IFunction;
  readonly submitFunction: lambda.IFunction;
  readonly statusFunction: lambda.IFunction;
  readonly logsFunction: lambda.IFunction;
  readonly terminateFunction: lambda.IFunction;
  /** Lets `grantee` invoke the validate function. */
  grantValidate(grantee: iam.IGrantable): iam.Grant;
  /** Lets `grantee` invoke the submit function. */
  grantSubmit(grantee: iam.IGrantable): iam.Grant;
  /** Lets `grantee` invoke the status function. */
  grantStatus(grantee: iam.IGrantable): iam.Grant;
  /** Lets `grantee` invoke the logs function. */
  grantLogs(grantee: iam.IGrantable): iam.Grant;
  /** Lets `grantee` invoke the terminate function. */
  grantTerminate(grantee: iam.IGrantable): iam.Grant;
}

/** The ARNs of a platform's runtime functions, e.g. from another stack's outputs or from SSM. */
export interface RuntimeFunctionsAttributes {
  readonly validateFunctionArn: string;
  readonly submitFunctionArn: string;
  readonly statusFunctionArn: string;
  readonly logsFunctionArn: string;
  readonly terminateFunctionArn: string;
}

export interface RuntimeFunctionsProps {
  /** The job definitions the functions validate and submit. */
  readonly jobDefinitions: readonly JobDefinition[];
  /** The queues submit may use; the first is the default. */
  readonly jobQueues: readonly JobQueue[];
  /** The log group the job definitions write to: the only one the logs function may read. */
  readonly jobLogGroup: logs.ILogGroup;
  /**
   * How long the functions' own logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Encrypts the functions' log groups.
   * @default - CloudWatch Logs' own encryption
   */
  readonly logEncryptionKey?: kms.IKey;
  /**
   * The most bytes one logs response holds (Lambda answers at most 6 MB).
   * @default 4 MiB
   */
  readonly logsMaxResponseBytes?: number;
}

abstract class RuntimeFunctionsBase extends Construct implements IRuntimeFunctions {
  public abstract readonly validateFunction: lambda.IFunction;
  public abstract readonly submitFunction: lambda.IFunction;
  public abstract readonly statusFunction: lambda.IFunction;
  public abstract readonly logsFunction: lambda.IFunction;
  public abstract readonly terminateFunction: lambda.IFunction;

  public grantValidate(grantee: iam.IGrantable): iam.Grant {
    return grantInvoke(grantee, this.validateFunction);
  }

  public grantSubmit(grantee: iam.IGrantable): iam.Grant {
    return grantInvoke(grantee, this.submitFunction);
  }

  public grantStatus(grantee: iam.IGrantable): iam.Grant {
    return grantInvoke(grantee, this.statusFunction);
  }

  public grantLogs(grantee: iam.IGrantable): iam.Grant {
    return grantInvoke(grantee, this.logsFunction);
  }

  public grantTerminate(grantee: iam.IGrantable): iam.Grant {
    return grantInvoke(grantee, this.terminateFunction);
  }
}

/**
 * `lambda:InvokeFunction` on the function itself. Unlike `IFunction.grantInvoke`, not on `<arn>:*` as well: pendant
 * publishes no versions or aliases, so the wildcard would grant nothing but a finding.
 */
function grantInvoke(grantee: iam.IGrantable, fn: lambda.IFunction): iam.Grant {
  return iam.Grant.addToPrincipal({ grantee, actions: ['lambda:InvokeFunction'], resourceArns: [fn.functionArn] });
}

const SETTINGS: Record<Operation, { id: string; description: string; memorySize: number; timeout: Duration }> = {
  validate: { id: 'ValidateFunction', description: 'pendant: validate a job request and check its S3 inputs exist', memorySize: 256, timeout: Duration.seconds(30) },
  submit: { id: 'SubmitFunction', description: 'pendant: validate and submit an AWS Batch job', memorySize: 256, timeout: Duration.seconds(30) },
  status: { id: 'StatusFunction', description: 'pendant: report the status of AWS Batch jobs', memorySize: 256, timeout: Duration.seconds(60) },
  logs: { id: 'LogsFunction', description: "pendant: read an AWS Batch job's CloudWatch logs", memorySize: 512, timeout: Duration.seconds(60) },
  terminate: { id: 'TerminateFunction', description: 'pendant: cancel or terminate an AWS Batch job', memorySize: 256, timeout: Duration.seconds(30) },
};

/**
 * The five runtime functions (validate, submit, status, logs, terminate): the prebuilt handler bundles on Node.js 24
 * and ARM64, each with its own log group, its configuration from the model's contract, and an inline
 * least-privilege role generated from the job definitions and queues it serves.
 */
export class RuntimeFunctions extends RuntimeFunctionsBase {
  /** Functions deployed elsewhere, by ARN, with the same grant methods. */
  public static fromFunctionArns(scope: Construct, id: string, attributes: RuntimeFunctionsAttributes): IRuntimeFunctions {
    class Imported extends RuntimeFunctionsBase {
      public readonly validateFunction = lambda.Function.fromFunctionArn(this, 'ValidateFunction', attributes.validateFunctionArn);
      public readonly submitFunction = lambda.Function.fromFunctionArn(this, 'SubmitFunction', attributes.submitFunctionArn);
      public readonly statusFunction = lambda.Function.fromFunctionArn(this, 'StatusFunction', attributes.statusFunctionArn);
      public readonly logsFunction = lambda.Function.fromFunctionArn(this, 'LogsFunction', attributes.logsFunctionArn);
      public readonly terminateFunction = lambda.Function.fromFunctionArn(this, 'TerminateFunction', attributes.terminateFunctionArn);
    }
    return new Imported(scope, id);
  }

  public readonly validateFunction: lambda.Function;
  public readonly submitFunction: lambda.Function;
  public readonly statusFunction: lambda.Function;
  public readonly logsFunction: lambda.Function;
  public readonly terminateFunction: lambda.Function;

  public constructor(scope: Construct, id: string, props: RuntimeFunctionsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const definitions: Record<string, JobDefinitionEntry> = {};
    for (const definition of props.jobDefinitions) definitions[definition.name] = { definition: definition.name, parameters: definition.parameters };
    const jobDefinitionsConfig = encodeConfig({ jobDefinitions: definitions });
    const deployConfig = encodeConfig({
      jobDefinitionRevisions: props.jobDefinitions.map((definition) => definition.revision),
      jobQueues: props.jobQueues.map((queue) => queue.jobQueueArn),
    });

    const make = (operation: Operation, environment: Record<string, string>, shipped: Record<string, string> = {}) => {
      const settings = SETTINGS[operation];
      const logGroup = new logs.LogGroup(this, `${settings.id}LogGroup`, {
        retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
        encryptionKey: props.logEncryptionKey,
      });
      const role = new iam.Role(this, `${settings.id}Role`, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `${settings.description} (pendant runtime function role)`,
      });
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ sid: 'OwnLogGroup', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }),
      );
      return new lambda.Function(this, settings.id, {
        code: handlerCode(operation, shipped),
        handler: 'index.handler',
        runtime: lambda.Runtime.NODEJS_24_X,
        architecture: lambda.Architecture.ARM_64,
        memorySize: settings.memorySize,
        timeout: settings.timeout,
        description: settings.description,
        role,
        logGroup,
        loggingFormat: lambda.LoggingFormat.JSON,
        environment: { POWERTOOLS_SERVICE_NAME: `pendant-${operation}`, ...environment },
      });
    };

    this.validateFunction = make('validate', {}, jobDefinitionsConfig);
    this.submitFunction = make('submit', deployConfig, jobDefinitionsConfig);
    this.statusFunction = make('status', {});
    this.logsFunction = make(
      'logs',
      props.logsMaxResponseBytes === undefined ? {} : encodeConfig({ logsMaxResponseBytes: props.logsMaxResponseBytes }),
    );
    this.terminateFunction = make('terminate', {});

    // validate and submit: HeadObject (s3:GetObject) under the prefixes the parameters declare, and s3:ListBucket on
    // their buckets so that a missing object answers 404 rather than 403.
    const inputs = mustExistPrefixes(props.jobDefinitions.map((definition) => definition.parameters));
    if (inputs.length > 0) {
      const objects = inputs.map((uri) => `arn:${stack.partition}:s3:::${uri.bucket}/${uri.key}*`);
      for (const fn of [this.validateFunction, this.submitFunction]) {
        fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'ReadDeclaredInputs', actions: ['s3:GetObject'], resources: objects }));
        fn.addToRolePolicy(
          new iam.PolicyStatement({
            sid: 'TellMissingFromForbidden',
            actions: ['s3:ListBucket'],
            resources: [...new Set(inputs.map((uri) => `arn:${stack.partition}:s3:::${uri.bucket}`))],
          }),
        );
        for (const object of objects) {
          acknowledgeWildcard(rolePolicy(fn), { resource: object }, 'the objects a job reads are named at run time; the prefix is what its parameter declares with "within"');
        }
      }
    }

    this.submitFunction.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'SubmitToOwnQueuesAndDefinitions',
        actions: ['batch:SubmitJob'],
        resources: [
          ...props.jobQueues.map((queue) => queue.jobQueueArn),
          ...props.jobDefinitions.map((definition) =>
            stack.formatArn({ service: 'batch', resource: 'job-definition', resourceName: `${definition.name}:*` }),
          ),
        ],
      }),
    );
    this.submitFunction.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'FindLatestRevision', actions: ['batch:DescribeJobDefinitions'], resources: ['*'] }),
    );
    for (const definition of props.jobDefinitions) {
      acknowledgeWildcard(
        rolePolicy(this.submitFunction),
        { resource: stack.formatArn({ service: 'batch', resource: 'job-definition', resourceName: `${definition.name}:*` }) },
        'a request may pin any revision of its job definition, and revisions are numbered by AWS Batch at registration',
      );
    }
    acknowledgeWildcard(rolePolicy(this.submitFunction), { resource: '*' }, 'batch:DescribeJobDefinitions has no resource type: IAM accepts only "*"');
    for (const fn of [this.statusFunction, this.logsFunction, this.terminateFunction]) {
      fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'DescribeJobs', actions: ['batch:DescribeJobs'], resources: ['*'] }));
      acknowledgeWildcard(rolePolicy(fn), { resource: '*' }, 'batch:DescribeJobs has no resource type: IAM accepts only "*"');
    }
    const jobStreams = stack.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: `${props.jobLogGroup.logGroupName}:log-stream:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.logsFunction.addToRolePolicy(new iam.PolicyStatement({ sid: 'ReadJobLogs', actions: ['logs:GetLogEvents'], resources: [jobStreams] }));
    acknowledgeWildcard(rolePolicy(this.logsFunction), { resource: jobStreams }, 'AWS Batch names each job\'s log stream when it starts; the job log group is the narrowest resource known at deploy time');

    const jobs = stack.formatArn({ service: 'batch', resource: 'job', resourceName: '*' });
    this.terminateFunction.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'StopJobs', actions: ['batch:TerminateJob', 'batch:CancelJob'], resources: [jobs] }),
    );
    acknowledgeWildcard(rolePolicy(this.terminateFunction), { resource: jobs }, 'job ids are assigned by AWS Batch at submission; job/* is the narrowest resource TerminateJob and CancelJob take');
  }
}

/** The policy `addToRolePolicy` wrote to, where the function's findings are acknowledged. */
function rolePolicy(fn: lambda.Function): IConstruct {
  return fn.role!.node.findChild('DefaultPolicy');
}

/** The distinct `within` prefixes of every must-exist S3 parameter. */
function mustExistPrefixes(parameterSets: readonly ParameterSpecs[]): S3Uri[] {
  const prefixes = new Map<string, S3Uri>();
  for (const parameters of parameterSets) {
    for (const spec of Object.values(parameters)) {
      if (spec.type !== 's3-object' || !spec.mustExist) continue;
      for (const within of spec.within ?? []) {
        const uri = S3Uri.parse(within);
        prefixes.set(uri.toString(), uri);
      }
    }
  }
  return [...prefixes.values()];
}
