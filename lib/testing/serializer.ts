// The serializer as a module of its own, for jest's `snapshotSerializers`.
import { assetHashSerializer } from './index';

export = assetHashSerializer;
