/**
 * Sentence-graph maths for the extractive summariser: idf-weighted term vectors, cosine similarity, the
 * dense similarity matrix and biased LexRank (PageRank with a position-prior teleport), with a centroid
 * fallback for very long reports.
 */

const DAMPING = 0.85;
const EDGE_THRESHOLD = 0.03;
const MAX_ITERATIONS = 100;
const TOLERANCE = 1e-6;

export type Vector = Map<string, number>;

export function weigh(tf: Map<string, number>, idf: Map<string, number>, fallbackIdf: number): Vector {
  const v: Vector = new Map();
  for (const [t, f] of tf) v.set(t, f * (idf.get(t) ?? fallbackIdf));
  return v;
}

export function norm(v: Vector): number {
  let s = 0;
  for (const x of v.values()) s += x * x;
  return Math.sqrt(s);
}

export function cosine(a: Vector, na: number, b: Vector, nb: number): number {
  if (na === 0 || nb === 0) return 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let dot = 0;
  for (const [t, x] of small) {
    const y = large.get(t);
    if (y !== undefined) dot += x * y;
  }
  return dot / (na * nb);
}

/**
 * Pairwise idf-modified cosine as a dense matrix, accumulated through term postings so only pairs that
 * share a term cost anything (n ≤ MAX_GRAPH_SENTENCES keeps it ≤ 9 MB).
 */
export function similarityMatrix(vectors: Vector[], norms: number[]): Float32Array {
  const n = vectors.length;
  const postings = new Map<string, Array<[number, number]>>();
  vectors.forEach((v, i) => {
    if (norms[i] === 0) return;
    for (const [t, x] of v) {
      let list = postings.get(t);
      if (!list) postings.set(t, (list = []));
      list.push([i, x / norms[i]!]);
    }
  });
  const matrix = new Float32Array(n * n);
  for (const list of postings.values()) {
    for (let a = 0; a < list.length; a++) {
      const [i, x] = list[a]!;
      for (let b = a + 1; b < list.length; b++) {
        const [j, y] = list[b]!;
        matrix[i * n + j]! += x * y;
      }
    }
  }
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) matrix[j * n + i] = matrix[i * n + j]!;
  return matrix;
}

/** Biased LexRank: PageRank over the idf-cosine graph with the position prior as teleport distribution. */
export function lexRank(matrix: Float32Array, n: number, prior: number[]): number[] {
  // Sparse rows: neighbour indices and transition weights (row-normalised edge weights).
  const neighbours: Int32Array[] = [];
  const weights: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const idx: number[] = [];
    const w: number[] = [];
    let sum = 0;
    for (let j = 0; j < n; j++) {
      const x = matrix[i * n + j]!;
      if (x >= EDGE_THRESHOLD) {
        idx.push(j);
        w.push(x);
        sum += x;
      }
    }
    neighbours.push(Int32Array.from(idx));
    weights.push(Float64Array.from(w, (x) => x / (sum || 1)));
  }
  // Half uniform, half position prior: late sentences that the text keeps returning to can still rank.
  const priorSum = prior.reduce((a, b) => a + b, 0) || 1;
  const teleport = prior.map((p) => 0.5 / n + (0.5 * p) / priorSum);
  let rank = new Float64Array(n).fill(1 / n);
  let next = new Float64Array(n);
  for (let iter = 0; iter < MAX_ITERATIONS; iter++) {
    next.fill(0);
    let dangling = 0;
    for (let i = 0; i < n; i++) {
      const idx = neighbours[i]!;
      if (idx.length === 0) {
        dangling += rank[i]!;
        continue;
      }
      const w = weights[i]!;
      const r = DAMPING * rank[i]!;
      for (let k = 0; k < idx.length; k++) next[idx[k]!]! += r * w[k]!;
    }
    let delta = 0;
    for (let j = 0; j < n; j++) {
      next[j]! += (1 - DAMPING + DAMPING * dangling) * teleport[j]!;
      delta += Math.abs(next[j]! - rank[j]!);
    }
    [rank, next] = [next, rank];
    if (delta < TOLERANCE) break;
  }
  return [...rank];
}

export function centroidScores(vectors: Vector[], norms: number[]): number[] {
  const centroid: Vector = new Map();
  vectors.forEach((v, i) => {
    if (norms[i] === 0) return;
    for (const [t, x] of v) centroid.set(t, (centroid.get(t) ?? 0) + x / norms[i]!);
  });
  const nc = norm(centroid);
  return vectors.map((v, i) => cosine(v, norms[i]!, centroid, nc));
}
