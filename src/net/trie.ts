/**
 * PrefixTrie: a path-compressed binary (Patricia) trie per address family, its nodes kept in a
 * pool of typed arrays. Lookups walk at most one node per distinct stored prefix length on the
 * path and allocate nothing but the result.
 *
 * Invariants: every node holds a key (its network bits, zeroed past its length) and a length;
 * a child's length is greater than its parent's and its key agrees with the parent's on the
 * parent's bits; the child under bit b has bit b at position parent.length. A node without a value
 * ("glue") always has two children.
 */
import { ParseError } from '../errors/index.js';
import type { IpAddress, IpFamily } from './address.js';
import { Prefix } from './prefix.js';

/** A stored prefix and its value. */
export interface PrefixEntry<V> {
  prefix: Prefix;
  value: V;
}

const NONE = -1;
const INITIAL_CAPACITY = 64;

/**
 * The trie of one family. Each node is one record of `stride` int32s in `nodes`, so a lookup
 * touches one cache line per node: the key words (1 for IPv4, 4 for IPv6; bits past the node's
 * length zeroed), then length | valued << 8, then the two children (node ids, NONE for none).
 */
class FamilyTrie<V> {
  readonly words: number;
  readonly bits: number;
  readonly stride: number;
  private readonly metaField: number;
  private readonly child0Field: number;
  private readonly child1Field: number;
  /** Key of the operation in progress, loaded from the caller's bytes (no allocation per call). */
  readonly target: Int32Array;

  nodes: Int32Array;
  prefixes: Array<Prefix | undefined> = [];
  values: Array<V | undefined> = [];
  root = NONE;
  count = 0;
  private used = 0;
  private readonly freeNodes: number[] = [];

  constructor(words: 1 | 4) {
    this.words = words;
    this.bits = words * 32;
    this.stride = words === 1 ? 4 : 8;
    this.metaField = words;
    this.child0Field = words + 1;
    this.child1Field = words + 2;
    this.target = new Int32Array(words);
    this.nodes = new Int32Array(INITIAL_CAPACITY * this.stride);
  }

  /** Loads network-order bytes (4 or 16) into `target`. */
  load(bytes: Uint8Array): void {
    const target = this.target;
    for (let w = 0, i = 0; w < this.words; w++, i += 4) {
      target[w] = (bytes[i] << 24) | (bytes[i + 1] << 16) | (bytes[i + 2] << 8) | bytes[i + 3];
    }
  }

  length(node: number): number {
    return this.nodes[node * this.stride + this.metaField] & 0xff;
  }

  isValued(node: number): boolean {
    return this.nodes[node * this.stride + this.metaField] >= 0x100;
  }

  private setValued(node: number, valued: boolean): void {
    const at = node * this.stride + this.metaField;
    this.nodes[at] = (this.nodes[at] & 0xff) | (valued ? 0x100 : 0);
  }

  private child(node: number, bit: number): number {
    return this.nodes[node * this.stride + (bit === 1 ? this.child1Field : this.child0Field)];
  }

  private setChild(node: number, bit: number, child: number): void {
    this.nodes[node * this.stride + (bit === 1 ? this.child1Field : this.child0Field)] = child;
  }

  /** Bit `index` (0 = most significant) of the target. */
  private targetBit(index: number): number {
    return (this.target[index >>> 5] >>> (31 - (index & 31))) & 1;
  }

  /** Bit `index` of node `node`'s key. */
  private nodeBit(node: number, index: number): number {
    return (this.nodes[node * this.stride + (index >>> 5)] >>> (31 - (index & 31))) & 1;
  }

  /** True when the first `length` bits of node `node`'s key equal the target's. */
  private matches(node: number, length: number): boolean {
    const nodes = this.nodes;
    const target = this.target;
    const base = node * this.stride;
    let w = 0;
    while (length >= 32) {
      if (nodes[base + w] !== target[w]) return false;
      length -= 32;
      w++;
    }
    return length === 0 || (nodes[base + w] ^ target[w]) >>> (32 - length) === 0;
  }

  /** Number of leading bits (at most `limit`) that node `node`'s key shares with the target. */
  private commonLength(node: number, limit: number): number {
    const nodes = this.nodes;
    const target = this.target;
    const base = node * this.stride;
    for (let w = 0, covered = 0; covered < limit; w++, covered += 32) {
      const x = nodes[base + w] ^ target[w];
      if (x !== 0) {
        const common = covered + Math.clz32(x);
        return common < limit ? common : limit;
      }
    }
    return limit;
  }

  /** A new childless, valueless node whose key is the target cut to `length` bits. */
  private newNode(length: number): number {
    let node = this.freeNodes.length === 0 ? undefined : this.freeNodes.pop();
    if (node === undefined) {
      if ((this.used + 1) * this.stride > this.nodes.length) {
        const grown = new Int32Array(this.nodes.length * 2);
        grown.set(this.nodes);
        this.nodes = grown;
      }
      node = this.used++;
    }
    const nodes = this.nodes;
    const base = node * this.stride;
    let remaining = length;
    for (let w = 0; w < this.words; w++, remaining -= 32) {
      const word = this.target[w];
      nodes[base + w] = remaining >= 32 ? word : remaining <= 0 ? 0 : word & ~(0xffffffff >>> remaining);
    }
    nodes[base + this.metaField] = length;
    nodes[base + this.child0Field] = NONE;
    nodes[base + this.child1Field] = NONE;
    return node;
  }

  private freeNode(node: number): void {
    this.setValued(node, false);
    this.prefixes[node] = undefined;
    this.values[node] = undefined;
    this.freeNodes.push(node);
  }

  private setValue(node: number, prefix: Prefix | undefined, value: V): void {
    if (!this.isValued(node)) {
      this.setValued(node, true);
      this.count++;
    }
    this.prefixes[node] = prefix;
    this.values[node] = value;
  }

  private replaceChild(parent: number, bit: number, node: number): void {
    if (parent === NONE) this.root = node;
    else this.setChild(parent, bit, node);
  }

  /**
   * Stores `value` under the loaded target cut to `length` bits. With `replace`, a value already
   * there stays unless `replace(existing, value)`. An undefined `prefix` is built when read.
   */
  set(
    length: number,
    prefix: Prefix | undefined,
    value: V,
    replace?: (existing: V, incoming: V) => boolean,
  ): void {
    if (this.words === 1) {
      this.set32(length, prefix, value, replace);
      return;
    }
    if (this.root === NONE) {
      this.root = this.newNode(length);
      this.setValue(this.root, prefix, value);
      return;
    }
    let parent = NONE;
    let parentBit = 0;
    let node = this.root;
    while (true) {
      const nodeLength = this.length(node);
      const common = this.commonLength(node, nodeLength < length ? nodeLength : length);
      if (common < nodeLength) {
        // The new prefix leaves this node's path inside the node's own bits.
        this.insertAbove(node, parent, parentBit, common, length, prefix, value);
        return;
      }
      if (nodeLength === length) {
        this.storeAt(node, prefix, value, replace);
        return;
      }
      const bit = this.targetBit(nodeLength);
      const next = this.child(node, bit);
      if (next === NONE) {
        this.attach(node, bit, length, prefix, value);
        return;
      }
      parent = node;
      parentBit = bit;
      node = next;
    }
  }

  /**
   * `set` for IPv4, the descent written out on the node array (a loader stores hundreds of
   * thousands of prefixes, most before the code is optimised); the same trie as `set` builds.
   */
  private set32(
    length: number,
    prefix: Prefix | undefined,
    value: V,
    replace: ((existing: V, incoming: V) => boolean) | undefined,
  ): void {
    const key = this.target[0];
    let parent = NONE;
    let parentBit = 0;
    let node = this.root;
    while (node !== NONE) {
      const base = node << 2;
      const nodeLength = this.nodes[base + 1] & 0xff;
      const limit = nodeLength < length ? nodeLength : length;
      const differ = this.nodes[base] ^ key;
      let common = limit;
      if (differ !== 0) {
        const leading = Math.clz32(differ);
        if (leading < limit) common = leading;
      }
      if (common < nodeLength) {
        this.insertAbove(node, parent, parentBit, common, length, prefix, value);
        return;
      }
      if (nodeLength === length) {
        this.storeAt(node, prefix, value, replace);
        return;
      }
      const bit = (key >>> (31 - nodeLength)) & 1;
      const next = this.nodes[base + 2 + bit];
      if (next === NONE) {
        this.attach(node, bit, length, prefix, value);
        return;
      }
      parent = node;
      parentBit = bit;
      node = next;
    }
    this.root = this.newNode(length);
    this.setValue(this.root, prefix, value);
  }

  /** Stores `value` at `node` (the target's own node) unless `replace` says the stored value stays. */
  private storeAt(
    node: number,
    prefix: Prefix | undefined,
    value: V,
    replace: ((existing: V, incoming: V) => boolean) | undefined,
  ): void {
    if (replace !== undefined && this.isValued(node) && !replace(this.values[node] as V, value)) return;
    this.setValue(node, prefix, value);
  }

  /** A new node for the target cut to `length` bits, as child `bit` of `node`. */
  private attach(node: number, bit: number, length: number, prefix: Prefix | undefined, value: V): void {
    const inserted = this.newNode(length);
    this.setValue(inserted, prefix, value);
    this.setChild(node, bit, inserted);
  }

  /**
   * Stores the target cut to `length` bits above `node` (child `parentBit` of `parent`), whose
   * key agrees with the target on only `common` of its bits.
   */
  private insertAbove(
    node: number,
    parent: number,
    parentBit: number,
    common: number,
    length: number,
    prefix: Prefix | undefined,
    value: V,
  ): void {
    if (common === length) {
      // The new prefix is shorter: it becomes this node's parent.
      const inserted = this.newNode(length);
      this.setValue(inserted, prefix, value);
      this.setChild(inserted, this.nodeBit(node, length), node);
      this.replaceChild(parent, parentBit, inserted);
      return;
    }
    // It differs at bit `common`: a glue node splits the two.
    const glue = this.newNode(common);
    const inserted = this.newNode(length);
    this.setValue(inserted, prefix, value);
    const bit = this.targetBit(common);
    this.setChild(glue, bit, inserted);
    this.setChild(glue, bit ^ 1, node);
    this.replaceChild(parent, parentBit, glue);
  }

  /** Node holding exactly the loaded target cut to `length` bits (valued or not), or NONE. */
  findExact(length: number): number {
    let node = this.root;
    while (node !== NONE) {
      const nodeLength = this.length(node);
      if (nodeLength > length || !this.matches(node, nodeLength)) return NONE;
      if (nodeLength === length) return node;
      node = this.child(node, this.targetBit(nodeLength));
    }
    return NONE;
  }

  delete(length: number): boolean {
    let grandparent = NONE;
    let grandparentBit = 0;
    let parent = NONE;
    let parentBit = 0;
    let node = this.root;
    while (node !== NONE) {
      const nodeLength = this.length(node);
      if (nodeLength > length || !this.matches(node, nodeLength)) return false;
      if (nodeLength === length) break;
      const bit = this.targetBit(nodeLength);
      grandparent = parent;
      grandparentBit = parentBit;
      parent = node;
      parentBit = bit;
      node = this.child(node, bit);
    }
    if (node === NONE || !this.isValued(node)) return false;
    this.setValued(node, false);
    this.prefixes[node] = undefined;
    this.values[node] = undefined;
    this.count--;
    const left = this.child(node, 0);
    const right = this.child(node, 1);
    if (left !== NONE && right !== NONE) return true; // stays as a glue node
    if (left !== NONE || right !== NONE) {
      this.replaceChild(parent, parentBit, left !== NONE ? left : right);
      this.freeNode(node);
      return true;
    }
    this.replaceChild(parent, parentBit, NONE);
    this.freeNode(node);
    if (parent !== NONE && !this.isValued(parent)) {
      // A glue node left with one child is no longer needed.
      this.replaceChild(grandparent, grandparentBit, this.child(parent, parentBit ^ 1));
      this.freeNode(parent);
    }
    return true;
  }

  /** Most specific valued node containing the 32-bit `key` cut to `length` bits (IPv4 only), or NONE. */
  longestMatch32(key: number, length: number): number {
    const nodes = this.nodes;
    let node = this.root;
    let best = NONE;
    while (node !== NONE) {
      const base = node << 2;
      const meta = nodes[base + 1];
      const nodeLength = meta & 0xff;
      if (nodeLength > length) break;
      if (nodeLength !== 0 && (nodes[base] ^ key) >>> (32 - nodeLength) !== 0) break;
      if (meta >= 0x100) best = node;
      if (nodeLength === length) break;
      node = nodes[base + 2 + ((key >>> (31 - nodeLength)) & 1)];
    }
    return best;
  }

  /** Most specific valued node containing the loaded 128-bit target cut to `length` bits (IPv6 only), or NONE. */
  longestMatch128(length: number): number {
    const nodes = this.nodes;
    const target = this.target;
    let node = this.root;
    let best = NONE;
    while (node !== NONE) {
      const base = node << 3;
      const meta = nodes[base + 4];
      const nodeLength = meta & 0xff;
      if (nodeLength > length) break;
      const full = nodeLength >>> 5;
      let w = 0;
      while (w < full && nodes[base + w] === target[w]) w++;
      if (w < full) break;
      const rest = nodeLength & 31;
      if (rest !== 0 && (nodes[base + full] ^ target[full]) >>> (32 - rest) !== 0) break;
      if (meta >= 0x100) best = node;
      if (nodeLength === length) break;
      node = nodes[base + 5 + ((target[full] >>> (31 - rest)) & 1)];
    }
    return best;
  }

  /** Every valued node containing the target, least specific first. */
  covering(length: number, out: Array<PrefixEntry<V>>): void {
    let node = this.root;
    while (node !== NONE) {
      const nodeLength = this.length(node);
      if (nodeLength > length || !this.matches(node, nodeLength)) break;
      if (this.isValued(node)) out.push(this.entry(node));
      if (nodeLength === length) break;
      node = this.child(node, this.targetBit(nodeLength));
    }
  }

  /** Every valued node inside the target prefix (including equal), in address order. */
  covered(length: number, out: Array<PrefixEntry<V>>): void {
    let node = this.root;
    while (node !== NONE) {
      const nodeLength = this.length(node);
      if (nodeLength >= length) {
        if (this.matches(node, length)) {
          for (const entry of this.subtree(node)) out.push(entry);
        }
        return;
      }
      if (!this.matches(node, nodeLength)) return;
      node = this.child(node, this.targetBit(nodeLength));
    }
  }

  entry(node: number): PrefixEntry<V> {
    let prefix = this.prefixes[node];
    if (prefix === undefined) {
      // Stored by number (setIPv4): built once, on first read, from the node's key.
      const base = node * this.stride;
      const length = this.length(node);
      if (this.words === 1) prefix = Prefix.fromIPv4(this.nodes[base] >>> 0, length);
      else {
        const bytes = new Uint8Array(16);
        for (let w = 0; w < 4; w++) {
          const word = this.nodes[base + w];
          bytes[4 * w] = word >>> 24;
          bytes[4 * w + 1] = word >>> 16;
          bytes[4 * w + 2] = word >>> 8;
          bytes[4 * w + 3] = word;
        }
        prefix = Prefix.fromBytes(6, bytes, 0, length);
      }
      this.prefixes[node] = prefix;
    }
    return { prefix, value: this.values[node] as V };
  }

  /** Valued nodes under `start` in pre-order, which is address order then shorter first. */
  *subtree(start: number): Generator<PrefixEntry<V>> {
    if (start === NONE) return;
    const stack = [start];
    while (stack.length > 0) {
      const node = stack.pop() as number;
      if (this.isValued(node)) yield this.entry(node);
      const right = this.child(node, 1);
      const left = this.child(node, 0);
      if (right !== NONE) stack.push(right);
      if (left !== NONE) stack.push(left);
    }
  }

  clear(): void {
    this.root = NONE;
    this.count = 0;
    this.used = 0;
    this.freeNodes.length = 0;
    this.prefixes = [];
    this.values = [];
    this.nodes = new Int32Array(INITIAL_CAPACITY * this.stride);
  }
}

/**
 * A map from prefixes (IPv4 and IPv6, kept apart: an IPv4-mapped IPv6 prefix is not its IPv4
 * prefix) to values, with longest-prefix match, covering and covered queries. Changing the trie
 * while iterating `entries()` gives unspecified results.
 */
export class PrefixTrie<V> {
  private readonly v4 = new FamilyTrie<V>(1);
  private readonly v6 = new FamilyTrie<V>(4);

  private familyTrie(family: number): FamilyTrie<V> {
    return family === 4 ? this.v4 : this.v6;
  }

  /** Stores `value` under `prefix`, replacing any value already there (and the stored Prefix). */
  set(prefix: Prefix, value: V): void {
    const trie = this.familyTrie(prefix.family);
    trie.load(prefix.bytes);
    trie.set(prefix.length, prefix, value);
  }

  /**
   * `set`, except that a value already stored under `prefix` stays unless
   * `replace(existing, value)` is true: one walk instead of `get` then `set`.
   */
  setIf(prefix: Prefix, value: V, replace: (existing: V, incoming: V) => boolean): void {
    const trie = this.familyTrie(prefix.family);
    trie.load(prefix.bytes);
    trie.set(prefix.length, prefix, value, replace);
  }

  /**
   * `setIf` for the IPv4 prefix `network/length` given as numbers (`network` a 32-bit unsigned
   * number, host bits cleared), without a Prefix: the one entries and lookups return is built
   * the first time they return it. For loaders that hold many prefixes as numbers.
   */
  setIPv4(network: number, length: number, value: V, replace?: (existing: V, incoming: V) => boolean): void {
    if (!(Number.isInteger(length) && length >= 0 && length <= 32)) {
      throw new ParseError('NET_BAD_PREFIX', `prefix length ${length} is not in 0..32 for IPv4`, {
        field: 'prefix',
      });
    }
    this.v4.target[0] = length === 0 ? 0 : network & (0xffffffff << (32 - length));
    this.v4.set(length, undefined, value, replace);
  }

  /**
   * `setIf` for the prefix of `length` bits at the start of `network` (4 or 16 bytes, network
   * order; bits past `length` are ignored), without a Prefix: the one entries and lookups return
   * is built the first time they return it. `network` is read, not kept.
   */
  setNetwork(
    family: IpFamily,
    network: Uint8Array,
    length: number,
    value: V,
    replace?: (existing: V, incoming: V) => boolean,
  ): void {
    const trie = this.familyTrie(family);
    if (
      !(Number.isInteger(length) && length >= 0 && length <= trie.bits) ||
      network.length !== trie.words * 4
    ) {
      throw new ParseError(
        'NET_BAD_PREFIX',
        `prefix /${length} of ${network.length} bytes is not an IPv${family} prefix`,
        { field: 'prefix' },
      );
    }
    trie.load(network);
    trie.set(length, undefined, value, replace);
  }

  get(prefix: Prefix): V | undefined {
    const trie = this.familyTrie(prefix.family);
    trie.load(prefix.bytes);
    const node = trie.findExact(prefix.length);
    return node === NONE || !trie.isValued(node) ? undefined : trie.values[node];
  }

  has(prefix: Prefix): boolean {
    const trie = this.familyTrie(prefix.family);
    trie.load(prefix.bytes);
    const node = trie.findExact(prefix.length);
    return node !== NONE && trie.isValued(node);
  }

  /** Removes `prefix`; true if it was stored. */
  delete(prefix: Prefix): boolean {
    const trie = this.familyTrie(prefix.family);
    trie.load(prefix.bytes);
    return trie.delete(prefix.length);
  }

  /** Number of stored prefixes, both families. */
  get size(): number {
    return this.v4.count + this.v6.count;
  }

  clear(): void {
    this.v4.clear();
    this.v6.clear();
  }

  /** The most specific stored prefix containing `target` (an address, or a prefix: equal counts). */
  longestMatch(target: IpAddress | Prefix): PrefixEntry<V> | undefined {
    if (target.family === 4) {
      const b = target.bytes;
      const key = (b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
      const node = this.v4.longestMatch32(key, target instanceof Prefix ? target.length : 32);
      return node === NONE ? undefined : this.v4.entry(node);
    }
    const trie = this.v6;
    trie.load(target.bytes);
    const node = trie.longestMatch128(target instanceof Prefix ? target.length : 128);
    return node === NONE ? undefined : trie.entry(node);
  }

  /**
   * The most specific stored IPv4 prefix containing `network/length` (`network` a 32-bit number),
   * without building a Prefix for the target: for callers that hold prefixes as numbers.
   */
  longestMatchV4(network: number, length: number): PrefixEntry<V> | undefined {
    const node = this.v4.longestMatch32(network | 0, Math.max(0, Math.min(32, length)));
    return node === NONE ? undefined : this.v4.entry(node);
  }

  /** Every stored prefix containing `target`, least specific first. */
  covering(target: IpAddress | Prefix): Array<PrefixEntry<V>> {
    const trie = this.familyTrie(target.family);
    trie.load(target.bytes);
    const out: Array<PrefixEntry<V>> = [];
    trie.covering(target instanceof Prefix ? target.length : trie.bits, out);
    return out;
  }

  /** Every stored prefix inside `target` (including `target` itself), in address order. */
  covered(target: Prefix): Array<PrefixEntry<V>> {
    const trie = this.familyTrie(target.family);
    trie.load(target.bytes);
    const out: Array<PrefixEntry<V>> = [];
    trie.covered(target.length, out);
    return out;
  }

  /** All entries in address order (IPv4 first, then IPv6; a shorter prefix before its more specifics). */
  *entries(): IterableIterator<PrefixEntry<V>> {
    yield* this.v4.subtree(this.v4.root);
    yield* this.v6.subtree(this.v6.root);
  }

  [Symbol.iterator](): IterableIterator<PrefixEntry<V>> {
    return this.entries();
  }
}
