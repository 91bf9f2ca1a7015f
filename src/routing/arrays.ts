/** Growing the typed-array columns of the routing structures. */

type Column = Int32Array | Uint32Array | Uint16Array | Uint8Array | Float64Array;

/** A copy of `array` with room for `size` items; the new items are `fill` (default 0). */
export function grown<T extends Column>(array: T, size: number, fill?: number): T {
  const copy = new (array.constructor as new (length: number) => T)(size);
  copy.set(array as ArrayLike<number> & T);
  if (fill !== undefined && fill !== 0) copy.fill(fill, array.length);
  return copy;
}
