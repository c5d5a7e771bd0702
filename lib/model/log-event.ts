/** One event of a CloudWatch Logs stream; times are milliseconds since the epoch. */
export interface LogEvent {
  readonly timestamp: number;
  readonly message: string;
  readonly ingestionTime: number;
}
