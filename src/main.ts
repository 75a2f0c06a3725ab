import { ConfigError, loadConfig, type GatewayConfig } from './config.js';
import { startGateway } from './server.js';

/** Entry point of `npm start`: configuration from the environment, clean shutdown on signals. */
async function main(): Promise<void> {
  let config: GatewayConfig;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const running = await startGateway(config);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'info', message: `${signal}: shutting down` })}\n`);
    // A stuck connection must not keep the process alive forever.
    setTimeout(() => process.exit(1), 5000).unref();
    running.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`fatal: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
