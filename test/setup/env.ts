// Tests never reach real AWS: dummy credentials and a fixed region, and quiet handler logs.
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_ACCESS_KEY_ID ??= 'testing';
process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
// On Node.js 20 every SDK client warns, once per test file, that SDK releases after January 2027 need Node.js 22.
// The README states that support policy; the suites need not repeat it (the SDK's own switch).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
