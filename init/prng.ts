/**
 * A seeded, portable pseudo-random generator: xoshiro128** seeded through splitmix32.
 *
 * Only 32-bit integer arithmetic (`Math.imul`, shifts) produces the stream, so the same seed
 * gives the same numbers on every machine. Uniforms in [0, 1) take 32 random bits; normals use
 * the Box–Muller transform on two uniforms (V8's fdlibm-derived `Math.log`/`Math.cos`), and are
 * then rounded to f32 when stored in weights.
 *
 * @module
 */

/** The four 32-bit words of a generator's state. */
export type PrngState = [number, number, number, number];

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/**
 * A seeded random stream with uniform, normal and integer draws, and a serialisable state.
 *
 * @example
 * ```ts
 * import { Prng } from "@ovsw/init";
 * const rng = new Prng(42);
 * console.log(rng.uniform(), rng.normal(), rng.int(10));
 * const again = Prng.fromState(rng.state());
 * console.log(again.uniform() === rng.uniform()); // true
 * ```
 */
export class Prng {
  #s: PrngState;

  /**
   * Seeds the generator (splitmix32 expands the seed into the four state words).
   *
   * @param seed any integer; different seeds give independent-looking streams
   */
  constructor(seed = 0) {
    const sm = splitmix32(seed >>> 0 ^ Math.floor(seed / 0x100000000));
    this.#s = [sm(), sm(), sm(), sm()];
    if (this.#s.every((v) => v === 0)) this.#s[0] = 1;
  }

  /** Rebuilds a generator from {@link Prng.state}. */
  static fromState(state: PrngState): Prng {
    const r = new Prng(0);
    r.#s = [state[0] >>> 0, state[1] >>> 0, state[2] >>> 0, state[3] >>> 0];
    return r;
  }

  /** A copy of the current state (four u32 words), for checkpoints. */
  state(): PrngState {
    return [...this.#s] as PrngState;
  }

  /** The next 32 random bits as an unsigned integer. */
  nextU32(): number {
    const s = this.#s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] = (s[2] ^ s[0]) >>> 0;
    s[3] = (s[3] ^ s[1]) >>> 0;
    s[1] = (s[1] ^ s[2]) >>> 0;
    s[0] = (s[0] ^ s[3]) >>> 0;
    s[2] = (s[2] ^ t) >>> 0;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** A uniform draw in [0, 1). */
  uniform(): number {
    return this.nextU32() / 4294967296;
  }

  /** A standard normal draw (Box–Muller, one value per call). */
  normal(): number {
    const u1 = 1 - this.uniform(); // (0, 1]
    const u2 = this.uniform();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Fills a new Float32Array with normal draws of the given mean and std. */
  normalArray(n: number, mean = 0, std = 1): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = mean + std * this.normal();
    return out;
  }

  /** Fills a new Float32Array with uniform draws in [lo, hi). */
  uniformArray(n: number, lo = 0, hi = 1): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * this.uniform();
    return out;
  }

  /** Shuffles an array in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[] | Uint32Array | Int32Array): typeof items {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
