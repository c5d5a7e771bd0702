'use strict';
/**
 * A stand-in for Lambda's Node.js runtime, one process per warm container (see local-lambda.ts): it loads the
 * handler `_HANDLER` names from `LAMBDA_TASK_ROOT` once, with exactly the environment the parent gave it, then runs
 * one invocation per IPC message, as Lambda runs one at a time per container. Results travel as the JSON text Lambda
 * would return; errors as Lambda's envelope `{ errorType, errorMessage, trace }`, whose `errorType` is the error's
 * `name`.
 *
 * Plain CommonJS run by plain `node`, so nothing of jest or ts-jest is loaded into the function's process.
 */
const { randomUUID } = require('node:crypto');
const { join } = require('node:path');

const taskRoot = process.env.LAMBDA_TASK_ROOT;
const [moduleName, handlerName] = splitHandler(process.env._HANDLER);

let handler;
let initError;
try {
  const loaded = require(join(taskRoot, moduleName));
  handler = loaded[handlerName];
  if (typeof handler !== 'function') {
    initError = named('Runtime.HandlerNotFound', `${moduleName}.${handlerName} is undefined or not exported`);
  }
} catch (error) {
  initError = error;
}

process.on('message', (message) => {
  void invoke(message).then((reply) => process.send(reply));
});
// A container lives no longer than the harness that started it, however that ends.
process.on('disconnect', () => process.exit(0));

async function invoke({ requestId, payload, deadline, invokedFunctionArn }) {
  if (initError !== undefined) return { requestId, error: envelope(initError) };
  try {
    const event = JSON.parse(payload);
    const result = await handler(event, context(requestId, deadline, invokedFunctionArn));
    return { requestId, payload: JSON.stringify(result === undefined ? null : result) };
  } catch (error) {
    return { requestId, error: envelope(error) };
  }
}

function context(awsRequestId, deadline, invokedFunctionArn) {
  return {
    awsRequestId: awsRequestId || randomUUID(),
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

function envelope(error) {
  const isError = error instanceof Error;
  return {
    errorType: isError ? String(error.name || error.constructor.name) : 'Error',
    errorMessage: isError ? error.message : String(error),
    trace: isError && typeof error.stack === 'string' ? error.stack.split('\n') : [],
  };
}

function named(name, message) {
  const error = new Error(message);
  error.name = name;
  return error;
}

function splitHandler(text) {
  const dot = String(text).lastIndexOf('.');
  return [text.slice(0, dot), text.slice(dot + 1)];
}
