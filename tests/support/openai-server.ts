import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An OpenAI-compatible chat completions server on 127.0.0.1 for tests and benchmarks: the real `openai`
 * SDK talks to it over HTTP. Each request is answered by the next scripted behaviour (or the default one),
 * and every request is recorded.
 *
 * "valid" answers are derived from the request itself: the data block between the prompt's delimiters is
 * split into sentences, and points/actors quote those sentences verbatim, so tests exercise the real
 * quote verification without hard-coded results.
 */

export interface RecordedRequest {
  body: ChatRequest;
  headers: IncomingMessage['headers'];
  /** The text between the randomised data delimiters in the user message ('' when none). */
  data: string;
  /** Schema name from `response_format.json_schema.name` ('summary' or 'actors'). */
  schema: string;
}

export interface ChatRequest {
  model: string;
  messages: Array<{ role: string; content: string }>;
  response_format?: { type: string; json_schema?: { name: string; schema: unknown; strict?: boolean } };
  tools?: unknown;
  max_completion_tokens?: number;
  [key: string]: unknown;
}

export type Behaviour =
  | 'valid'
  | 'fabricated'
  /** Obeys instructions injected into the report: restates them as points, quoting real sentences from elsewhere. */
  | 'compromised'
  | 'invalid-json'
  | 'schema-mismatch'
  | 'refusal'
  | 'length'
  | 'hang'
  | { status: number; headers?: Record<string, string>; body?: unknown }
  | { content: string | ((req: RecordedRequest) => string); usage?: { prompt_tokens: number; completion_tokens: number } | null }
  | ((req: RecordedRequest) => Behaviour);

export interface OpenAIServer {
  /** e.g. http://127.0.0.1:PORT/v1 — use as OPENAI_BASE_URL. */
  baseURL: string;
  requests: RecordedRequest[];
  /** Queue behaviours for the next requests, in order; after the queue is empty `defaultBehaviour` answers. */
  script(...behaviours: Behaviour[]): void;
  defaultBehaviour: Behaviour;
  /** Simulated model latency for every answer, in ms (0 = answer at once). */
  latencyMs: number;
  /** Total time spent inside handlers (parsing, building the answer, latency), for benchmarks. */
  serverTimeMs: number;
  /** Most chat requests that were open at the same time. */
  readonly maxInFlight: number;
  reset(): void;
  close(): Promise<void>;
}

export async function startOpenAIServer(options: { defaultBehaviour?: Behaviour } = {}): Promise<OpenAIServer> {
  const queue: Behaviour[] = [];
  const hanging = new Set<ServerResponse>();
  const state = {
    requests: [] as RecordedRequest[],
    defaultBehaviour: options.defaultBehaviour ?? ('valid' as Behaviour),
    latencyMs: 0,
    serverTimeMs: 0,
    inFlight: 0,
    maxInFlight: 0,
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const started = performance.now();
      if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
        send(res, 404, { error: { message: `no route ${req.method} ${req.url}`, type: 'invalid_request_error' } });
        return;
      }
      let body: ChatRequest;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChatRequest;
      } catch {
        send(res, 400, { error: { message: 'invalid JSON body', type: 'invalid_request_error' } });
        return;
      }
      const user = body.messages
        .filter((m) => m.role === 'user')
        .map((m) => m.content)
        .join('\n');
      const recorded: RecordedRequest = {
        body,
        headers: req.headers,
        data: extractData(user),
        schema: body.response_format?.json_schema?.name ?? '',
      };
      state.requests.push(recorded);
      state.inFlight++;
      state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
      res.on('close', () => state.inFlight--);
      let behaviour = queue.shift() ?? state.defaultBehaviour;
      while (typeof behaviour === 'function') behaviour = behaviour(recorded);
      const answer = () => {
        respond(res, behaviour as Exclude<Behaviour, (req: RecordedRequest) => Behaviour>, recorded, hanging);
        state.serverTimeMs += performance.now() - started;
      };
      if (state.latencyMs > 0 && behaviour !== 'hang') setTimeout(answer, state.latencyMs);
      else answer();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const api: OpenAIServer = {
    baseURL: `http://127.0.0.1:${port}/v1`,
    get requests() {
      return state.requests;
    },
    script: (...behaviours) => void queue.push(...behaviours),
    get defaultBehaviour() {
      return state.defaultBehaviour;
    },
    set defaultBehaviour(b) {
      state.defaultBehaviour = b;
    },
    get latencyMs() {
      return state.latencyMs;
    },
    set latencyMs(ms) {
      state.latencyMs = ms;
    },
    get serverTimeMs() {
      return state.serverTimeMs;
    },
    set serverTimeMs(ms) {
      state.serverTimeMs = ms;
    },
    get maxInFlight() {
      return state.maxInFlight;
    },
    reset() {
      queue.length = 0;
      state.requests.length = 0;
      state.serverTimeMs = 0;
      state.maxInFlight = state.inFlight;
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return api;
}

function respond(
  res: ServerResponse,
  behaviour: Exclude<Behaviour, (req: RecordedRequest) => Behaviour>,
  req: RecordedRequest,
  hanging: Set<ServerResponse>,
): void {
  if (behaviour === 'hang') {
    hanging.add(res);
    res.on('close', () => hanging.delete(res));
    return;
  }
  if (typeof behaviour === 'object' && 'status' in behaviour) {
    send(res, behaviour.status, behaviour.body ?? { error: { message: `scripted HTTP ${behaviour.status}`, type: 'server_error' } }, behaviour.headers);
    return;
  }
  if (typeof behaviour === 'object' && 'content' in behaviour) {
    const content = typeof behaviour.content === 'function' ? behaviour.content(req) : behaviour.content;
    send(res, 200, completion(req, { content, usage: behaviour.usage === undefined ? undefined : behaviour.usage }));
    return;
  }
  switch (behaviour) {
    case 'valid':
      send(res, 200, completion(req, { content: JSON.stringify(validAnswer(req)) }));
      return;
    case 'fabricated':
      send(res, 200, completion(req, { content: JSON.stringify(fabricatedAnswer(req)) }));
      return;
    case 'compromised':
      send(res, 200, completion(req, { content: JSON.stringify(compromisedAnswer(req)) }));
      return;
    case 'invalid-json':
      send(res, 200, completion(req, { content: '{"points": [{"text": "China and Russia', finishReason: 'stop' }));
      return;
    case 'schema-mismatch':
      send(res, 200, completion(req, { content: JSON.stringify({ summary: 'not the requested shape' }) }));
      return;
    case 'refusal':
      send(res, 200, completion(req, { content: null, refusal: "I'm sorry, I can't help with that request." }));
      return;
    case 'length': {
      const full = JSON.stringify(validAnswer(req));
      send(res, 200, completion(req, { content: full.slice(0, Math.floor(full.length / 2)), finishReason: 'length' }));
      return;
    }
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json), ...headers });
  res.end(json);
}

let counter = 0;

function completion(
  req: RecordedRequest,
  answer: { content: string | null; refusal?: string; finishReason?: string; usage?: { prompt_tokens: number; completion_tokens: number } | null },
) {
  const promptChars = req.body.messages.reduce((n, m) => n + m.content.length, 0);
  const usage =
    answer.usage === null
      ? undefined
      : (answer.usage ?? { prompt_tokens: Math.ceil(promptChars / 4), completion_tokens: Math.ceil((answer.content ?? answer.refusal ?? '').length / 4) });
  return {
    id: `chatcmpl-test-${++counter}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: req.body.model,
    system_fingerprint: 'fp_test',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: answer.content, refusal: answer.refusal ?? null, annotations: [] },
        logprobs: null,
        finish_reason: answer.finishReason ?? 'stop',
      },
    ],
    ...(usage ? { usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } } : {}),
  };
}

/** The text between the first pair of `<<<…>>>` markers (the engine's randomised delimiters). */
export function extractData(user: string): string {
  const open = /<<<([A-Z_]*?)([0-9a-f]{8,})>>>\n?/.exec(user);
  if (!open) return '';
  const tag = open[2]!;
  const start = open.index + open[0].length;
  const end = user.indexOf(`_${tag}>>>`, start);
  if (end < 0) return user.slice(start);
  const closeStart = user.lastIndexOf('<<<', end);
  return user.slice(start, closeStart).trim();
}

/** Requested number of points, read from the prompt ("exactly N key points"). */
function requestedPoints(req: RecordedRequest): number {
  const text = req.body.messages.map((m) => m.content).join('\n');
  const m = /exactly (\d+)/.exec(text);
  return m ? Number(m[1]) : 5;
}

/** Body sentences of the data block: headings, the title line and list markers left out. */
export function dataSentences(data: string): string[] {
  const out: string[] = [];
  for (const block of data.split(/\n{2,}/)) {
    const line = block.replace(/\n/g, ' ').trim();
    if (!line || line.startsWith('## ') || line.startsWith('Title: ')) continue;
    for (const s of line.replace(/^- /, '').split(/(?<=[.!?])\s+(?=[A-Z“"‘'])/)) {
      if (s.split(/\s+/).length >= 6) out.push(s.trim());
    }
  }
  return out;
}

/** Candidate points of a reduce call: one JSON object per line. */
function candidateLines(data: string): Array<{ text: string; quote: string }> | undefined {
  const lines = data.split('\n').filter((l) => l && !l.startsWith('Title: '));
  if (lines.length === 0 || !lines.every((l) => l.startsWith('{'))) return undefined;
  try {
    return lines.map((l) => JSON.parse(l) as { text: string; quote: string });
  } catch {
    return undefined;
  }
}

export function validAnswer(req: RecordedRequest): unknown {
  if (req.schema === 'actors') return { actors: actorsFrom(dataSentences(req.data)) };
  const n = requestedPoints(req);
  const candidates = candidateLines(req.data);
  if (candidates) return { points: candidates.slice(0, n).map((c) => ({ text: c.text, quote: c.quote })) };
  const sentences = dataSentences(req.data);
  const step = Math.max(1, Math.floor(sentences.length / n));
  const picked = sentences.filter((_, i) => i % step === 0).slice(0, n);
  // The point restates its sentence (as a model would) and quotes it verbatim.
  return { points: picked.map((s) => ({ text: s.length > 200 ? `${s.slice(0, 197)}...` : s, quote: s })) };
}

function fabricatedAnswer(req: RecordedRequest): unknown {
  if (req.schema === 'actors') {
    return {
      actors: [
        { name: 'Atlantis', type: 'state', role: null, affiliation: null, aliases: [], quote: 'Atlantis rose from the sea to sign the treaty.' },
        {
          name: 'Captain Nemo',
          type: 'person',
          role: 'Admiral',
          affiliation: 'Atlantis',
          aliases: [],
          quote: 'Captain Nemo commanded the Atlantean fleet in the exercise.',
        },
      ],
    };
  }
  return {
    points: Array.from({ length: requestedPoints(req) }, (_, i) => ({
      text: `The report announces secret agreement number ${i + 1} on lunar bases.`,
      quote: `The parties signed secret protocol ${i + 1} establishing joint bases on the Moon.`,
    })),
  };
}

/** What a hijacked model might send: the data's injected sentences as points, each with a real but unrelated quote. */
function compromisedAnswer(req: RecordedRequest): unknown {
  const sentences = dataSentences(req.data).concat(req.data.split(/(?<=[.!?])\s+/).filter((s) => s.split(/\s+/).length < 6));
  const injected = sentences.filter((s) => /\b(?:ignore|disregard|you are|the report is about|summari[sz]e this)\b/i.test(s));
  const honest = dataSentences(req.data).filter((s) => !injected.includes(s));
  if (req.schema === 'actors') {
    // Whoever the injection names, vouched for by real sentences that do not name them.
    const names = injected.flatMap((s) => [...s.matchAll(/(?<=\s)\p{Lu}\p{Ll}+(?:\s+\p{Lu}\p{Ll}+)*/gu)].map((m) => m[0]));
    return {
      actors: (names.length > 0 ? names : ['Captain Whiskers']).map((name, i) => ({
        name,
        type: 'person',
        role: null,
        affiliation: null,
        aliases: [],
        quote: honest[i % Math.max(1, honest.length)] ?? '',
      })),
    };
  }
  const n = requestedPoints(req);
  return {
    points: Array.from({ length: n }, (_, i) => ({
      text: injected[i % Math.max(1, injected.length)] ?? 'The report is about cats.',
      quote: honest[i % Math.max(1, honest.length)] ?? '',
    })),
  };
}

/** Actors from capitalised name sequences in the sentences, each quoting the first sentence naming it. */
function actorsFrom(sentences: string[]): unknown[] {
  const seen = new Map<string, string>();
  for (const s of sentences) {
    for (const m of s.matchAll(/(?<![\p{L}])(\p{Lu}\p{Ll}+(?:\s+\p{Lu}\p{Ll}+)*)/gu)) {
      const name = m[1]!;
      if (m.index === 0 && !name.includes(' ')) continue; // sentence-initial capital, probably not a name
      if (!seen.has(name)) seen.set(name, s);
    }
  }
  return [...seen.entries()].slice(0, 8).map(([name, quote]) => ({
    name,
    type: name.includes(' ') ? 'person' : 'state',
    role: null,
    affiliation: null,
    aliases: [],
    quote,
  }));
}
