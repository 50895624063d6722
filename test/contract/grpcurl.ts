/**
 * Runs grpcurl (github.com/fullstorydev/grpcurl, built by scripts/go-tools.sh)
 * against a server with .proto sources given on the command line, the way an
 * operator would: request messages as JSON on stdin, answers as JSON on stdout.
 */
import execa from 'execa';
import path from 'node:path';

export interface GrpcurlCall {
  /** The bin directory of scripts/go-tools.sh. */
  bin: string;
  importPaths: string[];
  protos: string[];
  /** host:port, or a socket path with `unix`. */
  address: string;
  /** Service/Method, e.g. gnoi.os.OS/Install. */
  method: string;
  /** Request messages; several make a client stream. */
  requests?: unknown[];
  /** Transport flags: default -plaintext. */
  tls?: { cacert: string; cert?: string; key?: string; servername?: string };
  unix?: boolean;
  maxTimeSeconds?: number;
}

export interface GrpcurlResult {
  exitCode: number;
  /** Every answer message, parsed. */
  answers: Array<Record<string, unknown>>;
  /** gRPC status when the call failed (grpcurl -format-error), else undefined. */
  status?: { code: number; message: string };
  stderr: string;
}

/** Splits grpcurl's stream of pretty-printed JSON objects. */
export function parseJsonStream(text: string): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{') {
      if (depth++ === 0) start = i;
    } else if (c === '}' && --depth === 0) {
      out.push(JSON.parse(text.slice(start, i + 1)) as Record<string, unknown>);
    }
  }
  if (depth !== 0) throw new Error(`grpcurl output ends inside a JSON object: ${text.slice(-200)}`);
  return out;
}

export async function grpcurl(call: GrpcurlCall): Promise<GrpcurlResult> {
  const args = [
    ...call.importPaths.flatMap((p) => ['-import-path', p]),
    ...call.protos.flatMap((p) => ['-proto', p]),
    '-format-error',
    '-connect-timeout',
    '5',
    '-max-time',
    String(call.maxTimeSeconds ?? 20),
  ];
  if (call.tls) {
    args.push('-cacert', call.tls.cacert);
    if (call.tls.cert) args.push('-cert', call.tls.cert, '-key', call.tls.key as string);
    if (call.tls.servername) args.push('-servername', call.tls.servername);
  } else {
    args.push('-plaintext');
  }
  // A unix socket as a unix:// URI, not -unix: grpcurl v1.9.2 and v1.9.3 dial -unix paths as TCP
  // ("missing port in address", fullstorydev/grpcurl#496 and #546; fixed by #498 after v1.9.3).
  const target = call.unix ? `unix://${call.address}` : call.address;
  args.push('-d', '@', target, call.method);
  const input = (call.requests ?? [{}]).map((r) => JSON.stringify(r)).join('\n');
  const r = await execa(path.join(call.bin, 'grpcurl'), args, { input, reject: false });
  const answers = parseJsonStream(r.stdout);
  // A call the server failed exits 64 + its gRPC code, with -format-error its status as JSON on stderr;
  // anything else (no connection, bad flags, a proto that does not parse) is grpcurl's own failure.
  if (r.exitCode > 64) {
    const [status] = parseJsonStream(r.stderr) as Array<{ code: number; message: string }>;
    if (status && typeof status.code === 'number')
      return { exitCode: r.exitCode, answers, status, stderr: r.stderr };
  }
  if (r.exitCode !== 0)
    throw new Error(
      `grpcurl ${call.method} at ${call.address} exited ${r.exitCode}: ${r.stderr || r.stdout}`,
    );
  return { exitCode: 0, answers, stderr: r.stderr };
}
