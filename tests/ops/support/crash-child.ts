// A process with the shutdown helper installed as `sitrep start` installs it, that then throws uncaught.
import { createLogger } from '../../../src/logger.ts';
import { createShutdown } from '../../../src/ops/shutdown.ts';

const shutdown = createShutdown({ logger: createLogger('info'), exitProcess: true });
shutdown.add('never reached', () => undefined);
setInterval(() => undefined, 1_000); // something keeps the process alive, as a bot would
setTimeout(() => {
  throw new Error(process.env.CRASH_MESSAGE ?? 'boom');
}, 50);
