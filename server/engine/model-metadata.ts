// Reads an ONNX model's metadata_props (stride, styles, version). onnxruntime-node does not expose
// them, so this walks the top level of the ModelProto protobuf: field 14 holds
// StringStringEntryProto { key = 1; value = 2; } entries. Everything else is skipped by length.

function varint(buf: Uint8Array, pos: number): [value: number, next: number] {
  let value = 0;
  let scale = 1;
  for (;;) {
    const b = buf[pos++];
    if (b === undefined) throw new RangeError("truncated protobuf");
    value += (b & 0x7f) * scale;
    if (b < 0x80) return [value, pos];
    scale *= 128;
  }
}

/** Calls visit(field, bytes) for each length-delimited field of one message. */
function fields(buf: Uint8Array, visit: (field: number, bytes: Uint8Array) => void): void {
  for (let pos = 0; pos < buf.length; ) {
    const [tag, afterTag] = varint(buf, pos);
    const wire = tag % 8;
    if (wire === 0) pos = varint(buf, afterTag)[1];
    else if (wire === 1) pos = afterTag + 8;
    else if (wire === 5) pos = afterTag + 4;
    else if (wire === 2) {
      const [len, start] = varint(buf, afterTag);
      visit(Math.floor(tag / 8), buf.subarray(start, start + len));
      pos = start + len;
    } else throw new RangeError(`unsupported protobuf wire type ${wire}`);
  }
}

export function readModelMetadata(model: Uint8Array): Record<string, string> {
  const props: Record<string, string> = {};
  const text = new TextDecoder();
  fields(model, (field, bytes) => {
    if (field !== 14) return;
    const entry: string[] = [];
    fields(bytes, (f, b) => {
      entry[f] = text.decode(b);
    });
    if (entry[1] !== undefined) props[entry[1]] = entry[2] ?? "";
  });
  return props;
}
