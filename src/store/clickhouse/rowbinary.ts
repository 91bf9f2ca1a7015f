/**
 * ClickHouse's RowBinary input format for the column types the cluster schema uses. Inserts go in
 * binary because the server's text parsers (JSONEachRow, TSV) round some doubles to a neighbour
 * (1 ulp): binary doubles are stored bit for bit, so both stores give the very same answers.
 *
 * @example
 * const w = new RowBinaryWriter();
 * encodeRow(w, [{ name: 'key', type: 'String' }], ['KP']);
 * const body = w.finish();
 */

/** The column types the schema uses. */
export type ColumnType =
  | 'String'
  | 'Float64'
  | 'UInt64'
  | 'UInt32'
  | 'Int32'
  | 'UInt8'
  | 'Nullable(Float64)'
  | 'Nullable(String)'
  | 'Array(String)'
  | 'Array(UInt32)';

export interface Column {
  name: string;
  type: ColumnType;
}

/** A value of a column, in the JavaScript type it is written from. */
export type CellValue = string | number | boolean | null | undefined | readonly string[] | readonly number[];

/** A growable buffer written little-endian, as RowBinary wants. */
export class RowBinaryWriter {
  private buffer = Buffer.allocUnsafe(64 * 1024);
  private at = 0;

  get length(): number {
    return this.at;
  }

  private room(bytes: number): void {
    if (this.at + bytes <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.at + bytes) size *= 2;
    const bigger = Buffer.allocUnsafe(size);
    this.buffer.copy(bigger, 0, 0, this.at);
    this.buffer = bigger;
  }

  varUInt(value: number): void {
    this.room(10);
    let v = value;
    while (v >= 0x80) {
      this.buffer[this.at++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buffer[this.at++] = v;
  }

  string(value: string): void {
    const bytes = Buffer.byteLength(value, 'utf8');
    this.varUInt(bytes);
    this.room(bytes);
    this.at += this.buffer.write(value, this.at, 'utf8');
  }

  float64(value: number): void {
    this.room(8);
    this.at = this.buffer.writeDoubleLE(value, this.at);
  }

  uint64(value: number): void {
    this.room(8);
    this.at = this.buffer.writeBigUInt64LE(BigInt(value), this.at);
  }

  uint32(value: number): void {
    this.room(4);
    this.at = this.buffer.writeUInt32LE(value, this.at);
  }

  int32(value: number): void {
    this.room(4);
    this.at = this.buffer.writeInt32LE(value, this.at);
  }

  uint8(value: number): void {
    this.room(1);
    this.buffer[this.at++] = value;
  }

  /** The bytes written so far (a copy, so the writer can be reused). */
  finish(): Buffer {
    return Buffer.from(this.buffer.subarray(0, this.at));
  }
}

/** Writes one value of `type`. */
export function encodeValue(w: RowBinaryWriter, type: ColumnType, value: CellValue, column: string): void {
  const fail = (): never => {
    throw new TypeError(`column ${column} (${type}) cannot hold ${JSON.stringify(value)}`);
  };
  switch (type) {
    case 'String':
      if (typeof value !== 'string') fail();
      w.string(value as string);
      return;
    case 'Float64':
      if (typeof value !== 'number') fail();
      w.float64(value as number);
      return;
    case 'UInt64':
    case 'UInt32':
    case 'Int32':
      if (typeof value !== 'number' || !Number.isInteger(value)) fail();
      if (type === 'UInt64') w.uint64(value as number);
      else if (type === 'UInt32') w.uint32(value as number);
      else w.int32(value as number);
      return;
    case 'UInt8':
      w.uint8(value === true ? 1 : value === false ? 0 : typeof value === 'number' ? value : fail());
      return;
    case 'Nullable(Float64)':
      if (value === null || value === undefined) w.uint8(1);
      else {
        if (typeof value !== 'number') fail();
        w.uint8(0);
        w.float64(value as number);
      }
      return;
    case 'Nullable(String)':
      if (value === null || value === undefined) w.uint8(1);
      else {
        if (typeof value !== 'string') fail();
        w.uint8(0);
        w.string(value as string);
      }
      return;
    case 'Array(String)':
    case 'Array(UInt32)': {
      if (!Array.isArray(value)) fail();
      const list = value as readonly (string | number)[];
      w.varUInt(list.length);
      for (const item of list) encodeValue(w, type === 'Array(String)' ? 'String' : 'UInt32', item, column);
      return;
    }
  }
}

/** Writes one row: a value per column, in column order. */
export function encodeRow(w: RowBinaryWriter, columns: readonly Column[], row: readonly CellValue[]): void {
  for (let i = 0; i < columns.length; i++) encodeValue(w, columns[i].type, row[i], columns[i].name);
}
