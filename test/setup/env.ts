// Tests never reach real AWS: dummy credentials and a fixed region, and quiet handler logs.
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_ACCESS_KEY_ID ??= 'testing';
process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
