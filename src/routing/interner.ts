/**
 * WordInterner: stores sequences of 32-bit words once each and gives every distinct sequence a
 * dense id. The words live in one growing Uint32Array pool and the index is an open-addressing
 * hash table of ids, so interning a sequence that is already there allocates nothing.
 */

const EMPTY = -1;

/** FNV-1a-style mix of a word sequence, with a final avalanche. */
export function hashWords(words: Uint32Array, length: number): number {
  let h = 0x811c9dc5 ^ length;
  for (let i = 0; i < length; i++) {
    h = Math.imul(h ^ words[i], 0x01000193);
    h ^= h >>> 15;
  }
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export class WordInterner {
  /** All sequences, back to back. */
  private pool: Uint32Array;
  private poolUsed = 0;
  /** Start of each sequence in `pool`, and one past the last: sequence i is [starts[i], starts[i + 1]). */
  private starts: Uint32Array;
  private hashes: Uint32Array;
  private slots: Int32Array;
  private mask: number;
  count = 0;

  constructor(initialSequences = 1024, initialWords = initialSequences * 8) {
    this.pool = new Uint32Array(initialWords);
    this.starts = new Uint32Array(initialSequences + 1);
    this.hashes = new Uint32Array(initialSequences);
    let size = 16;
    while (size < initialSequences * 2) size *= 2;
    this.slots = new Int32Array(size * 2).fill(EMPTY);
    this.mask = size - 1;
  }

  /** The id of `words[0, length)`, adding it if it is new. */
  intern(words: Uint32Array, length: number): number {
    const hash = hashWords(words, length);
    const slots = this.slots;
    const mask = this.mask;
    const signed = hash | 0;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const id = slots[slot * 2];
      if (id === EMPTY) break;
      if (slots[slot * 2 + 1] === signed && this.equals(id, words, length)) return id;
    }
    return this.add(words, length, hash);
  }

  /** The id of `words[0, length)`, or -1 when it was never interned. */
  find(words: Uint32Array, length: number): number {
    const hash = hashWords(words, length);
    const slots = this.slots;
    const mask = this.mask;
    const signed = hash | 0;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const id = slots[slot * 2];
      if (id === EMPTY) return -1;
      if (slots[slot * 2 + 1] === signed && this.equals(id, words, length)) return id;
    }
  }

  private equals(id: number, words: Uint32Array, length: number): boolean {
    const start = this.starts[id];
    if (this.starts[id + 1] - start !== length) return false;
    const pool = this.pool;
    for (let i = 0; i < length; i++) if (pool[start + i] !== words[i]) return false;
    return true;
  }

  private add(words: Uint32Array, length: number, hash: number): number {
    const id = this.count;
    if (id + 1 >= this.hashes.length) this.growSequences();
    if (this.poolUsed + length > this.pool.length) {
      let size = this.pool.length * 2;
      while (size < this.poolUsed + length) size *= 2;
      const pool = new Uint32Array(size);
      pool.set(this.pool.subarray(0, this.poolUsed));
      this.pool = pool;
    }
    const pool = this.pool;
    const base = this.poolUsed;
    for (let i = 0; i < length; i++) pool[base + i] = words[i];
    this.poolUsed = base + length;
    this.starts[id + 1] = this.poolUsed;
    this.hashes[id] = hash;
    this.count = id + 1;
    if (this.count * 4 > this.slots.length) this.rehash();
    else this.place(id, hash);
    return id;
  }

  private place(id: number, hash: number): void {
    const slots = this.slots;
    const mask = this.mask;
    let slot = hash & mask;
    while (slots[slot * 2] !== EMPTY) slot = (slot + 1) & mask;
    slots[slot * 2] = id;
    slots[slot * 2 + 1] = hash | 0;
  }

  /**
   * Makes room for `sequences` sequences of `words` words in all without growing (a loader that
   * knows its input's size calls this first: growth copies the pool and re-places every id).
   */
  reserve(sequences: number, words: number): void {
    if (sequences + 1 > this.hashes.length) this.growSequences(sequences + 1);
    if (words > this.pool.length) {
      const pool = new Uint32Array(words);
      pool.set(this.pool.subarray(0, this.poolUsed));
      this.pool = pool;
    }
    if (sequences * 4 > this.slots.length) this.rehash(sequences * 2);
  }

  private growSequences(atLeast = 0): void {
    const capacity = Math.max(this.hashes.length * 2, atLeast);
    const starts = new Uint32Array(capacity + 1);
    starts.set(this.starts.subarray(0, this.count + 1));
    this.starts = starts;
    const hashes = new Uint32Array(capacity);
    hashes.set(this.hashes.subarray(0, this.count));
    this.hashes = hashes;
  }

  private rehash(atLeastSlots = 0): void {
    // Quadruple: each rehash re-places every id with a random write, so grow fast.
    let size = this.slots.length * 2; // slots.length is 2 words per slot
    while (size < atLeastSlots) size *= 2;
    this.slots = new Int32Array(size * 2).fill(EMPTY);
    this.mask = size - 1;
    for (let id = 0; id < this.count; id++) this.place(id, this.hashes[id]);
  }

  /** The words of sequence `id` (a view into the pool: valid until the next `intern`). */
  view(id: number): Uint32Array {
    return this.pool.subarray(this.starts[id], this.starts[id + 1]);
  }

  /** Start offset of sequence `id` in `poolArray()`. */
  start(id: number): number {
    return this.starts[id];
  }

  /** End offset (exclusive) of sequence `id` in `poolArray()`. */
  end(id: number): number {
    return this.starts[id + 1];
  }

  /** The pool itself, for hot loops that read many sequences (valid until the next `intern`). */
  poolArray(): Uint32Array {
    return this.pool;
  }

  /** Bytes held by the typed arrays (capacity, not only what is used). */
  get byteLength(): number {
    return this.pool.byteLength + this.starts.byteLength + this.hashes.byteLength + this.slots.byteLength;
  }

  /** Bytes that the stored sequences and their index need (what is used). */
  get usedBytes(): number {
    return this.poolUsed * 4 + this.count * 8 + this.count * 2 * 8;
  }
}
