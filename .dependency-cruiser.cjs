/**
 * Boundary rules (`npm run check:boundaries`, run by .ci/run). Dependencies point one way:
 * commands → core ← services; transports (discord, terminal, ops, cli) sit on top; discord.js stays in src/discord.
 */
const SERVICES = '^src/(store|reports|analysis|briefings|scheduling|net|presentation)/';
const TRANSPORTS = '^(src/(discord|terminal|ops|cli)/|src/cli\\.ts|src/app\\.ts|commands/)';
// The prom-client registry is an instrument every layer records into, not a transport: services may count
// and time their work. The /healthz + /metrics server (src/ops/server.ts) stays a transport.
const INSTRUMENTS = '^src/ops/metrics\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle means two modules hold one job between them.',
      from: { path: '^(src|commands)/' },
      to: { circular: true },
    },
    {
      name: 'discord-js-only-in-src-discord',
      severity: 'error',
      comment: 'discord.js is an adapter detail: commands, core, services and the terminal use discord-api-types data.',
      from: { path: '^(src|commands)/', pathNot: '^src/discord/' },
      to: { path: '^(discord\\.js|@discordjs/)' , dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'discord-js-types-only-in-src-discord',
      severity: 'error',
      comment: 'Not even as types: core and commands are typed against discord-api-types.',
      from: { path: '^(src|commands)/', pathNot: '^src/discord/' },
      to: { path: '^discord\\.js$' },
    },
    {
      name: 'core-holds-ports-only',
      severity: 'error',
      comment:
        'src/core is imported by everyone and imports nothing of the project outside itself at run time. ' +
        'Type-only imports are allowed: the narrow services type in core/command.ts names the service interfaces ' +
        '(and the Logger type) without loading them.',
      from: { path: '^src/core/' },
      to: { path: '^(src|commands)/', pathNot: '^src/core/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'services-know-no-transport',
      severity: 'error',
      comment: 'Services never import a transport, a command or the composition root.',
      from: { path: SERVICES },
      to: { path: TRANSPORTS, pathNot: INSTRUMENTS },
    },
    {
      name: 'commands-use-core-and-presentation',
      severity: 'error',
      comment: 'Commands are data plus a handler over the narrow services type in core.',
      from: { path: '^commands/' },
      to: { path: '^src/', pathNot: '^src/(core|presentation)/' , dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      from: { path: '^(src|commands)/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js', '.mjs', '.json'] },
  },
};
