import { CloudWatchLogsClient, GetLogEventsCommand, InvalidParameterException, ResourceNotFoundException } from '@aws-sdk/client-cloudwatch-logs';
import { type LogPage, type LogsGateway, StreamNotFound, TokenRefused } from '../core/ports';
import { logsClient } from './clients';

export class SdkLogsGateway implements LogsGateway {
  public constructor(private readonly client: CloudWatchLogsClient = logsClient()) {}

  public async getLogEvents(request: { logGroupName: string; logStreamName: string; token?: string; limit: number; fromTail?: boolean }): Promise<LogPage> {
    try {
      const response = await this.client.send(
        new GetLogEventsCommand({
          logGroupName: request.logGroupName,
          logStreamName: request.logStreamName,
          // Forward from the head, unless the tail is asked for: the API's default is the newest events first.
          startFromHead: request.fromTail !== true,
          nextToken: request.token,
          limit: request.limit,
        }),
      );
      return {
        events: (response.events ?? []).map((event) => ({
          timestamp: event.timestamp ?? 0,
          message: event.message ?? '',
          ingestionTime: event.ingestionTime ?? 0,
        })),
        nextForwardToken: response.nextForwardToken ?? request.token ?? '',
      };
    } catch (error) {
      if (error instanceof ResourceNotFoundException) throw new StreamNotFound();
      // "The specified nextToken is invalid": the group and stream come from Batch, so only the token can be at fault.
      if (error instanceof InvalidParameterException && request.token !== undefined) throw new TokenRefused();
      throw error;
    }
  }
}
