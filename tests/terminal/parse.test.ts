import { describe, expect, it } from 'vitest';
import { ApplicationCommandOptionType } from 'discord-api-types/v10';
import { defineCommand, defineCommandGroup, defineSubcommand, type CommandModule } from '../../src/core/command.ts';
import { closestName, helpText, parseCommandLine, tokenize } from '../../src/terminal/parse.ts';
import { completeLine } from '../../src/terminal/complete.ts';

const noop = async () => ({ content: '' });
const T = ApplicationCommandOptionType;
const sample: CommandModule[] = [
  defineCommandGroup({
    data: { name: 'report', description: 'reports' },
    subcommands: [
      defineSubcommand({
        data: {
          type: T.Subcommand,
          name: 'latest',
          description: 'latest',
          options: [
            { type: T.Integer, name: 'count', description: 'how many', min_value: 1, max_value: 10 },
            { type: T.String, name: 'source', description: 'publisher' },
          ],
        },
        execute: noop,
      }),
      defineSubcommand({
        data: {
          type: T.Subcommand,
          name: 'show',
          description: 'show',
          options: [{ type: T.String, name: 'report', description: 'title or id', required: true }],
        },
        execute: noop,
      }),
    ],
  }),
  defineCommand({
    data: {
      name: 'summarise',
      description: 'summaries',
      options: [
        { type: T.String, name: 'report', description: 'title or id', required: true },
        {
          type: T.String,
          name: 'length',
          description: 'length',
          choices: [
            { name: 'Brief', value: 'brief' },
            { name: 'Detailed', value: 'detailed' },
          ],
        },
      ],
    },
    aliases: ['summarize'],
    execute: noop,
  }),
  defineCommandGroup({
    data: { name: 'briefing', description: 'briefings' },
    subcommands: [
      defineSubcommand({
        data: {
          type: T.Subcommand,
          name: 'subscribe',
          description: 'subscribe',
          options: [
            { type: T.Channel, name: 'channel', description: 'where', required: true },
            { type: T.String, name: 'time', description: 'HH:MM', required: true },
            { type: T.Boolean, name: 'loud', description: 'loud' },
          ],
        },
        execute: noop,
      }),
    ],
  }),
];

describe('tokenize', () => {
  it('splits bare words and key:value pairs with quoted values', () => {
    expect(tokenize('report show report:"china defence" x')).toEqual([
      { value: 'report' },
      { value: 'show' },
      { key: 'report', value: 'china defence' },
      { value: 'x' },
    ]);
  });

  it('keeps colons inside values and reads curly and single quotes', () => {
    expect(tokenize("time:08:00 url:https://a.example/x?y=1 q:“a b” r:'c d'")).toEqual([
      { key: 'time', value: '08:00' },
      { key: 'url', value: 'https://a.example/x?y=1' },
      { key: 'q', value: 'a b' },
      { key: 'r', value: 'c d' },
    ]);
  });

  it('treats a bare URL as a word, not as an option', () => {
    expect(tokenize('https://a.example/feed')).toEqual([{ value: 'https://a.example/feed' }]);
  });

  it('rejects an unclosed quote', () => {
    expect(() => tokenize('report:"china')).toThrow(/Unclosed quote/);
  });
});

describe('parseCommandLine', () => {
  it('parses a command with subcommand and typed options', () => {
    const parsed = parseCommandLine('/report latest count:3 source:"Special Eurasia"', sample);
    expect(parsed.command.data.name).toBe('report');
    expect(parsed.subcommand).toBe('latest');
    expect(parsed.options).toEqual({ count: 3, source: 'Special Eurasia' });
  });

  it('accepts a choice by value or by its display name, case-insensitively', () => {
    expect(parseCommandLine('summarise report:x length:BRIEF', sample).options.length).toBe('brief');
    expect(parseCommandLine('summarise report:x length:Detailed', sample).options.length).toBe('detailed');
  });

  it('fills the first missing required text option with loose words', () => {
    expect(parseCommandLine('/report show china defence', sample).options).toEqual({ report: 'china defence' });
  });

  it('maps channels to local channel references and parses booleans', () => {
    const parsed = parseCommandLine('/briefing subscribe channel:#terminal time:08:00 loud:yes', sample);
    expect(parsed.options).toEqual({ channel: { id: 'terminal', name: 'terminal', guildId: 'local' }, time: '08:00', loud: true });
  });

  it.each([
    ['/nope', /Unknown command \/nope/],
    ['/report', /Choose a subcommand of \/report: latest, show/],
    ['/report oldest', /Unknown subcommand “oldest”/],
    ['/report latest colour:red', /Unknown option “colour” for \/report latest \(options: count, source\)/],
    ['/report latest count:11', /count.*between 1 and 10 \(got 11\)/],
    ['/report latest count:0', /between 1 and 10/],
    ['/report latest count:two', /whole number/],
    ['/report show', /Missing required option:\n  report: title or id\n/],
    ['/reprot latest', /Unknown command \/reprot\. Did you mean \/report\?/],
    ['/summ report:x', /Did you mean \/summarise\?/],
    ['/report lates', /Unknown subcommand “lates”.*Did you mean \/report latest\?/],
    ['/report latest cuont:2', /Unknown option “cuont”.*Did you mean count:\?/],
    ['/zzzzzz', /^Unknown command \/zzzzzz\. Commands:/],
    ['/summarise report:x length:huge', /choose one of brief, detailed/],
    ['/summarise report:x report:y', /given twice/],
    ['/briefing subscribe channel:terminal time:08:00 loud:maybe', /true or false/],
    ['/report latest 5', /Unexpected “5”: write options as name:value/],
    ['/summarise report:', /needs a value/],
  ])('%s → a clear error', (line, message) => {
    expect(() => parseCommandLine(line, sample)).toThrow(message);
  });

  it('shows the usage line with an error', () => {
    expect(() => parseCommandLine('/report show', sample)).toThrow(/Usage: \/report show report:<report>/);
  });
});

describe('closestName', () => {
  it('picks the one name a typo is close to, or none', () => {
    const names = ['report', 'summarise', 'actors', 'briefing', 'sources'];
    expect(closestName('reprot', names)).toBe('report');
    expect(closestName('actor', names)).toBe('actors');
    expect(closestName('brefing', names)).toBe('briefing');
    expect(closestName('weather', names)).toBeUndefined();
    expect(closestName('s', names)).toBeUndefined();
  });
});

describe('helpText', () => {
  it('lists every subcommand with its usage, from the definitions', () => {
    const help = helpText(sample);
    expect(help).toContain('/report latest [count:1-10] [source:<source>]');
    expect(help).toContain('/summarise report:<report> [length:brief|detailed]');
    expect(help).toContain('/briefing subscribe channel:#channel time:<time> [loud:<loud>]');
  });

  it('describes options of one command and rejects unknown ones', () => {
    expect(helpText(sample, 'summarise')).toContain('length: length');
    expect(() => helpText(sample, 'nope')).toThrow(/Unknown command/);
  });
});

describe('completeLine', () => {
  it('completes commands, subcommands, options and choices', () => {
    expect(completeLine('/rep', sample)[0]).toEqual(['/report ']);
    expect(completeLine('rep', sample)[0]).toEqual(['/report ']);
    expect(completeLine('/report l', sample)[0]).toEqual(['latest ']);
    expect(completeLine('/report latest co', sample)[0]).toEqual(['count:']);
    expect(completeLine('/report latest count:1 co', sample)[0]).toEqual([]);
    expect(completeLine('/summarise report:x length:b', sample)[0]).toEqual(['length:brief ']);
  });
});
