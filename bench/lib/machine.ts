import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';

/** Where and with what the figures were measured. */
export interface Machine {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly platform: string;
  readonly versions: Record<string, string>;
}

export function describeMachine(root: string): Machine {
  return {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    platform: `${process.platform} ${process.arch}`,
    versions: {
      node: process.version,
      'aws-cdk-lib': packageVersion(root, 'aws-cdk-lib'),
      constructs: packageVersion(root, 'constructs'),
      'aws-cdk (CLI)': packageVersion(root, 'aws-cdk'),
      esbuild: packageVersion(root, 'esbuild'),
      typescript: packageVersion(root, 'typescript'),
      '@aws-sdk/client-batch': packageVersion(root, '@aws-sdk/client-batch'),
      moto: motoVersion(),
    },
  };
}

/** The 1-, 5- and 15-minute load averages: other work on the machine shows in every wall time. */
export function loadAverages(): [number, number, number] {
  const [one, five, fifteen] = loadavg();
  return [one, five, fifteen];
}

function packageVersion(root: string, name: string): string {
  try {
    return (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

function motoVersion(): string {
  try {
    // python3 may not be the interpreter moto_server runs on; the version is only informative.
    return execFileSync('python3', ['-c', 'import moto; print(moto.__version__)'], { encoding: 'utf8', timeout: 10_000 }).trim();
  } catch {
    return 'unknown';
  }
}
