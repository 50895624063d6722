/**
 * Checks an answer a target sent (decoded by @grpc/proto-loader with
 * PROTO_LOADER_OPTIONS) before xpuflow acts on it. proto3 decoding never
 * fails on what matters here: an enum value the .proto does not know arrives
 * as a bare number, and a field the target left out arrives as its default
 * ('' , 0, null). Either would be acted on silently (a port type of 7, a bridge
 * port with no name), so checkAnswer throws UndecodableAnswer naming the RPC,
 * the field and the value instead.
 *
 * Any client can use it (OPI's does; DMS and kubelet registration answers can
 * be checked the same way): answerType() gives the message type of a .proto
 * under proto/, and `required` lists the dotted field paths (camelCase, as
 * decoded) the caller cannot do without.
 */
import * as path from 'node:path';
import * as protobuf from 'protobufjs';
import { protoDir } from './load';

/** An answer xpuflow cannot act on: an unknown enum value or a missing required field. */
export class UndecodableAnswer extends Error {
  override readonly name = 'UndecodableAnswer';
  constructor(
    /** The RPC that answered, e.g. CreateBridgePort. */
    readonly rpc: string,
    /** Dotted path of the field in the answer, e.g. spec.ptype. */
    readonly field: string,
    /** The value received, as text ('(missing)' when absent). */
    readonly value: string,
    message: string,
  ) {
    super(message);
  }
}

const roots = new Map<string, protobuf.Root>();

/** The message type `fullName` of a .proto under proto/ (`opi/bridge_port.proto`), loaded once. */
export function answerType(file: string, fullName: string): protobuf.Type {
  let root = roots.get(file);
  if (!root) {
    // keepCase false: field names camelCase, as proto-loader's decoded objects have them.
    root = new protobuf.Root().loadSync(path.join(protoDir(), ...file.split('/')), { keepCase: false });
    root.resolveAll();
    roots.set(file, root);
  }
  return root.lookupType(fullName);
}

function missing(v: unknown): boolean {
  return (
    v === undefined ||
    v === null ||
    v === '' ||
    (Buffer.isBuffer(v) && v.length === 0) ||
    (Array.isArray(v) && v.length === 0)
  );
}

function show(v: unknown): string {
  if (Buffer.isBuffer(v)) return `0x${v.toString('hex')}`;
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

function checkEnum(rpc: string, e: protobuf.Enum, at: string, v: unknown): void {
  if (typeof v === 'string' && v in e.values) return;
  const known = Object.entries(e.values)
    .map(([k, n]) => `${k}=${n}`)
    .join(', ');
  throw new UndecodableAnswer(
    rpc,
    at,
    show(v),
    `${rpc} answered ${at} = ${show(v)}, which is not a value of ${e.fullName.slice(1)} (${known}): ` +
      `the target speaks another version of the API than xpuflow's proto/ subset; ` +
      `upgrade xpuflow or the target so they agree`,
  );
}

function walk(rpc: string, type: protobuf.Type, value: Record<string, unknown>, prefix: string): void {
  for (const f of type.fieldsArray) {
    const v = value[f.name];
    if (v === undefined || v === null) continue;
    const at = prefix + f.name;
    const each = (item: unknown, where: string) => {
      if (f.resolvedType instanceof protobuf.Enum) checkEnum(rpc, f.resolvedType, where, item);
      else if (f.resolvedType instanceof protobuf.Type && typeof item === 'object' && item !== null)
        walk(rpc, f.resolvedType, item as Record<string, unknown>, `${where}.`);
    };
    if (f.map) for (const [k, item] of Object.entries(v as object)) each(item, `${at}[${k}]`);
    else if (f.repeated) (v as unknown[]).forEach((item, i) => each(item, `${at}[${i}]`));
    else each(v, at);
  }
}

/**
 * Throws UndecodableAnswer when `answer` (of message type `type`, answered by
 * `rpc`) holds an enum value its enum does not have, anywhere in it, or lacks
 * one of the `required` dotted paths (an enum at its zero value counts as missing).
 */
export function checkAnswer(
  rpc: string,
  type: protobuf.Type,
  answer: unknown,
  required: readonly string[] = [],
): void {
  if (typeof answer !== 'object' || answer === null) {
    throw new UndecodableAnswer(
      rpc,
      '(answer)',
      show(answer),
      `${rpc} answered no ${type.name} message at all`,
    );
  }
  walk(rpc, type, answer as Record<string, unknown>, '');
  for (const p of required) {
    let v: unknown = answer;
    let t: protobuf.Type | undefined = type;
    let field: protobuf.Field | undefined;
    for (const part of p.split('.')) {
      field = t?.fields[part];
      if (!field) throw new Error(`checkAnswer: ${type.fullName.slice(1)} has no field ${p}`);
      v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[part] : undefined;
      t = field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
    }
    const zeroEnum =
      field?.resolvedType instanceof protobuf.Enum && field.resolvedType.values[v as string] === 0;
    if (missing(v) || zeroEnum) {
      throw new UndecodableAnswer(
        rpc,
        p,
        missing(v) ? '(missing)' : show(v),
        `${rpc} answered a ${type.name} without ${p}${zeroEnum ? ` (it is ${show(v)})` : ''}, ` +
          `which xpuflow needs: the target does not implement ${rpc} as the API defines it`,
      );
    }
  }
}
