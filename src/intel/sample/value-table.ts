/**
 * The distinct values of one kind that `networkStrings` keeps: an open-addressing table of their
 * hashes beside the values. The caller hashes a value from the bytes it was read from, four at a
 * time and folded to one case, which costs less than the runtime's hash of a string in a `Set`;
 * values with the same hash are told apart by `===`.
 * A kind whose values are integers (IPv4 addresses) uses the integer as its key and no string.
 *
 * @example
 * const seen = new ValueTable();
 * const url = 'http://c2.example.com/x';
 * const hash = hashText(url);
 * if (!seen.has(hash, url)) seen.add(hash, url);
 * seen.size; // 1
 */

const FOLD = 0x20202020;

/** One step of the hash: the next four characters (little-endian) into `h`. */
function mix(h: number, word: number): number {
  return Math.imul(((h << 5) | (h >>> 27)) ^ word, 0x2545f491);
}

/**
 * The hash of the characters (codes below 256) at `from` to `to` of a view of them, four at a time, letters folded to one case (`| 0x20`, which also folds a few other pairs:
 * a hash, not an equality). Every character counts: values that differ anywhere mostly differ.
 */
export function hashCodes(view: DataView, from: number, to: number): number {
  let h = to - from;
  let i = from;
  for (; i + 4 <= to; i += 4) h = mix(h, view.getUint32(i, true) | FOLD);
  if (i === to) return h;
  let word = 0;
  for (let k = 0; i < to; i++, k += 8) word |= view.getUint8(i) << k;
  return mix(h, word | FOLD);
}

/** `hashCodes` of a string's characters. */
export function hashText(text: string): number {
  let h = text.length;
  let i = 0;
  const c = (k: number): number => text.charCodeAt(k) & 0xff;
  for (; i + 4 <= text.length; i += 4)
    h = mix(h, c(i) | (c(i + 1) << 8) | (c(i + 2) << 16) | (c(i + 3) << 24) | FOLD);
  if (i === text.length) return h;
  let word = 0;
  for (let k = 0; i < text.length; i++, k += 8) word |= c(i) << k;
  return mix(h, word | FOLD);
}

export class ValueTable {
  /** The values, in the order added. */
  private readonly values: string[] = [];
  /** Their hashes or keys, in the same order. */
  private readonly keys: number[] = [];
  /**
   * Per slot: 1 + the index of its value, or 0 when free. A plain array, not a typed one: a small
   * typed array costs far more to allocate.
   */
  private slots: number[] = new Array<number>(16).fill(0);
  /** `32 - log2(slots)`: a value's first slot is the high bits of its hash times a constant. */
  private shift = 28;

  /** How many values the table holds. */
  get size(): number {
    return this.values.length;
  }

  /** Whether `value`, of hash `hash`, is in the table. */
  has(hash: number, value: string): boolean {
    const mask = this.slots.length - 1;
    for (let slot = Math.imul(hash, 0x9e3779b1) >>> this.shift; ; slot = (slot + 1) & mask) {
      const index = this.slots[slot] - 1;
      if (index < 0) return false;
      if (this.keys[index] === (hash | 0) && this.values[index] === value) return true;
    }
  }

  /** Whether a value of the integer key `key` (its value's identity) is in the table. */
  hasKey(key: number): boolean {
    const mask = this.slots.length - 1;
    for (let slot = Math.imul(key, 0x9e3779b1) >>> this.shift; ; slot = (slot + 1) & mask) {
      const index = this.slots[slot] - 1;
      if (index < 0) return false;
      if (this.keys[index] === (key | 0)) return true;
    }
  }

  /** Adds `value` under its hash or key, which `has`/`hasKey` said is not in the table. */
  add(hash: number, value: string): void {
    this.values.push(value);
    this.keys.push(hash | 0);
    if (2 * this.values.length <= this.slots.length) this.place(this.values.length - 1);
    else {
      // Four times the slots, every value placed again.
      this.slots = new Array<number>(this.slots.length * 4).fill(0);
      this.shift -= 2;
      for (let index = 0; index < this.values.length; index++) this.place(index);
    }
  }

  private place(index: number): void {
    const mask = this.slots.length - 1;
    let slot = Math.imul(this.keys[index], 0x9e3779b1) >>> this.shift;
    while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
    this.slots[slot] = index + 1;
  }
}
