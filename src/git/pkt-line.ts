// Git's pkt-line framing (gitprotocol-common): four hex digits of length (including themselves),
// then the payload; `0000` is a flush-pkt. Used where forge speaks smart HTTP itself (push) and
// where it checks that a server's answer ended as the protocol says.

export const FLUSH = Buffer.from('0000', 'latin1');

/** One pkt-line holding `payload` (text as UTF-8). */
export function pktLine(payload: string | Uint8Array): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(payload);
  if (body.length > 65516) throw new RangeError('pkt-line payload too long');
  return Buffer.concat([Buffer.from((body.length + 4).toString(16).padStart(4, '0'), 'latin1'), body]);
}

export type Pkt = { type: 'data'; payload: Buffer } | { type: 'flush' } | { type: 'delim' };

/** Why a byte stream is not a sequence of pkt-lines. */
export class PktLineError extends Error {
  readonly code = 'PktLineError';
}

/**
 * Splits `bytes` into pkt-lines. Throws PktLineError on a malformed length or a line cut short;
 * `rest` is what follows the last complete pkt-line when `stopAfterFlush` ends early.
 */
export function readPktLines(bytes: Buffer, options: { stopAfterFlush?: boolean } = {}): { pkts: Pkt[]; rest: Buffer } {
  const pkts: Pkt[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 4 > bytes.length) throw new PktLineError(`pkt-line length cut short at byte ${at}`);
    const hex = bytes.subarray(at, at + 4).toString('latin1');
    if (!/^[0-9a-f]{4}$/i.test(hex)) throw new PktLineError(`bad pkt-line length "${hex}" at byte ${at}`);
    const length = Number.parseInt(hex, 16);
    if (length === 0) {
      pkts.push({ type: 'flush' });
      at += 4;
      if (options.stopAfterFlush) return { pkts, rest: bytes.subarray(at) };
      continue;
    }
    if (length === 1) {
      pkts.push({ type: 'delim' });
      at += 4;
      continue;
    }
    if (length < 4) throw new PktLineError(`bad pkt-line length ${length} at byte ${at}`);
    if (at + length > bytes.length) throw new PktLineError(`pkt-line cut short at byte ${at}: ${length} bytes announced, ${bytes.length - at} left`);
    pkts.push({ type: 'data', payload: bytes.subarray(at + 4, at + length) });
    at += length;
  }
  return { pkts, rest: Buffer.alloc(0) };
}

export interface RefAdvertisement {
  /** Full ref name → object id, as advertised (annotated tags not peeled; `^{}` lines kept as such). */
  refs: Map<string, string>;
  capabilities: Set<string>;
}

/**
 * Parses a protocol v0/v1 smart-HTTP ref advertisement (`GET …/info/refs?service=…`): the service
 * line, a flush, the refs (capabilities after a NUL on the first), a closing flush. Anything else,
 * in particular a list without its closing flush-pkt, is an error: a cut-off list must never be
 * taken for a shorter one.
 */
export function parseRefAdvertisement(body: Buffer, service: string): RefAdvertisement {
  const { pkts } = readPktLines(body);
  const lines = pkts.map((p) => (p.type === 'data' ? p.payload.toString('utf8').replace(/\n$/, '') : p.type));
  let i = 0;
  if (lines[i] === `# service=${service}`) {
    i++;
    if (lines[i] !== 'flush') throw new PktLineError('no flush-pkt after the service line');
    i++;
  }
  const refs = new Map<string, string>();
  const capabilities = new Set<string>();
  let closed = false;
  for (let first = true; i < lines.length; i++, first = false) {
    const line = lines[i]!;
    if (line === 'flush') {
      closed = i === lines.length - 1;
      if (!closed) throw new PktLineError('data after the closing flush-pkt');
      break;
    }
    if (line === 'delim') throw new PktLineError('unexpected delim-pkt in a ref advertisement');
    let text = line;
    if (first) {
      const nul = text.indexOf('\0');
      if (nul >= 0) {
        for (const cap of text.slice(nul + 1).split(' ')) if (cap) capabilities.add(cap);
        text = text.slice(0, nul);
      }
    }
    const match = /^([0-9a-f]{40}|[0-9a-f]{64}) (\S+)$/.exec(text);
    if (!match) throw new PktLineError(`not a ref line: ${JSON.stringify(text.slice(0, 80))}`);
    // An empty repository advertises only `capabilities^{}` with the null id.
    if (first && match[2] === 'capabilities^{}') continue;
    refs.set(match[2]!, match[1]!);
  }
  if (!closed) throw new PktLineError('the ref advertisement does not end with a flush-pkt');
  return { refs, capabilities };
}
