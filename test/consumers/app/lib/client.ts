// Type-checked, never run: the typed client from its own entry point, with the app's own LambdaClient.
import { LambdaClient } from '@aws-sdk/client-lambda';
import { PendantClient } from 'pendant/client';
import type { SubmitResponse } from 'pendant/model';

export function submitAlignment(reads: string): Promise<SubmitResponse> {
  const pendant = new PendantClient({ functions: { submit: process.env.SUBMIT_FUNCTION_ARN }, lambda: new LambdaClient({}) });
  return pendant.submit({ jobDefinition: 'align', parameters: { reads } });
}
