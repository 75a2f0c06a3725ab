import { formatPrettyLine, resolveLogFormat } from './common/pretty-log.js';
import { ConfigError, loadConfig, type GatewayConfig } from './config/index.js';
import { AuthConfigError } from './edge/identity/errors.js';
import { loadVendorFiles } from './providers/declared/vendor-files.js';
import type { AnyVendorModule } from './providers/vendor-module.js';
import { VENDORS } from './providers/vendors.js';
import { startGateway, type RunningGateway } from './server.js';

/** Entry point of `npm start`: configuration from the environment, clean shutdown on signals. */
async function main(): Promise<void> {
  let config: GatewayConfig;
  let vendors: readonly AnyVendorModule[];
  try {
    // Declared vendors join the table before anything reads it: configuration, schema and simulators see one table.
    vendors = [...VENDORS, ...(await loadVendorFiles(process.env.VENDOR_FILES, VENDORS))];
    config = loadConfig(process.env, vendors);
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'VENDOR_FILE_INVALID') {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  let running: RunningGateway;
  try {
    running = await startGateway(config, { vendors });
  } catch (error) {
    // A trusted-keys file that cannot be used is a configuration error too: same message, same exit code.
    if (error instanceof AuthConfigError) {
      process.stderr.write(`${new ConfigError([error.message]).message}\n`);
      process.exit(2);
    }
    throw error;
  }
  // The few lines written here, before or after the logger's life, in the format its lines have.
  const pretty = resolveLogFormat(config.logFormat, process.stderr.isTTY === true) === 'pretty';
  const say = (level: 'info' | 'error', message: string, fields: Record<string, unknown> = {}) => {
    const record = { time: new Date().toISOString(), level, message, ...fields };
    process.stderr.write(`${pretty ? formatPrettyLine(record) : JSON.stringify(record)}\n`);
  };
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    say('info', `${signal}: shutting down`);
    // Past the grace every connection is closed; a stuck close (a ledger snapshot on a hung disk)
    // must not keep the process alive forever.
    setTimeout(() => process.exit(1), config.shutdownGraceMs + 5000).unref();
    running.close().then(() => process.exit(0), () => process.exit(1));
  };
  // SIGHUP re-reads the trusted files: a revoked API key stops working, a new manifest serves, without a restart.
  process.on('SIGHUP', () => {
    running.reload().catch((error: unknown) => {
      say('error', 'reload failed', { error: String(error) });
    });
  });
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`fatal: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
