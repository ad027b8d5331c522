/**
 * A minimal protobuf wire-format codec for the few tiny messages cosi exchanges with CSI drivers and the kubelet's
 * plugin registration sockets: strings, booleans and nested messages only. Hand-written so that nothing loads
 * .proto files at run time; unknown fields are skipped, as protobuf requires.
 */

/** WireField is one decoded field: varints as bigint, length-delimited fields as bytes. */
export type WireField =
  {readonly field: number; readonly varint: bigint} | {readonly field: number; readonly bytes: Uint8Array};

function varint(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return out;
}

/** encodeString encodes a string field (wire type 2). */
export function encodeString(field: number, value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  return Buffer.concat([Buffer.from([...varint((field << 3) | 2), ...varint(bytes.length)]), bytes]);
}

/** encodeMessage encodes a nested message field (wire type 2). */
export function encodeMessage(field: number, body: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([...varint((field << 3) | 2), ...varint(body.length)]), body]);
}

/** encodeBool encodes a bool field (wire type 0). */
export function encodeBool(field: number, value: boolean): Buffer {
  return Buffer.from([...varint(field << 3), value ? 1 : 0]);
}

/** decodeFields splits a message into its fields; throws on malformed input (the caller reports it). */
export function decodeFields(buffer: Uint8Array): WireField[] {
  const fields: WireField[] = [];
  let at = 0;
  const readVarint = (): bigint => {
    let result = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (at >= buffer.length || shift > 63n) throw new Error('truncated or overlong varint');
      const byte = buffer[at++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
    }
  };
  while (at < buffer.length) {
    const key = Number(readVarint());
    const field = key >>> 3;
    switch (key & 7) {
      case 0:
        fields.push({field, varint: readVarint()});
        break;
      case 1:
        at += 8;
        break;
      case 2: {
        const length = Number(readVarint());
        if (at + length > buffer.length) throw new Error('truncated length-delimited field');
        fields.push({field, bytes: buffer.subarray(at, at + length)});
        at += length;
        break;
      }
      case 5:
        at += 4;
        break;
      default:
        throw new Error(`unsupported wire type ${key & 7}`);
    }
  }
  if (at > buffer.length) throw new Error('truncated fixed-width field');
  return fields;
}

/** stringField returns the last value of a string field, or undefined. */
export function stringField(fields: readonly WireField[], field: number): string | undefined {
  const found = fields.filter((f) => f.field === field && 'bytes' in f).at(-1);
  return found && 'bytes' in found ? Buffer.from(found.bytes).toString('utf8') : undefined;
}

/** stringsField returns every value of a repeated string field. */
export function stringsField(fields: readonly WireField[], field: number): string[] {
  return fields.flatMap((f) => (f.field === field && 'bytes' in f ? [Buffer.from(f.bytes).toString('utf8')] : []));
}

/** messageField returns the bytes of the last value of a message field, or undefined when absent. */
export function messageField(fields: readonly WireField[], field: number): Uint8Array | undefined {
  const found = fields.filter((f) => f.field === field && 'bytes' in f).at(-1);
  return found && 'bytes' in found ? found.bytes : undefined;
}

/** boolField returns the last value of a bool field; absent is false, as in proto3. */
export function boolField(fields: readonly WireField[], field: number): boolean {
  const found = fields.filter((f) => f.field === field && 'varint' in f).at(-1);
  return found !== undefined && 'varint' in found && found.varint !== 0n;
}
