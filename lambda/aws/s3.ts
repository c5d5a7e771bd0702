import { HeadObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import type { S3Uri } from '../../lib/model/s3-uri';
import type { ObjectState, S3Gateway } from '../core/ports';
import { s3Client } from './clients';

export class SdkS3Gateway implements S3Gateway {
  public constructor(private readonly client: S3Client = s3Client()) {}

  public async objectState(uri: S3Uri): Promise<ObjectState> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: uri.bucket, Key: uri.key }));
      return 'exists';
    } catch (error) {
      // HeadObject has no body, so S3 answers a bare status: 404 is missing, 403 is "you may not know".
      const status = error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
      if (status === 404) return 'not-found';
      if (status === 403) return 'access-denied';
      throw error;
    }
  }
}
